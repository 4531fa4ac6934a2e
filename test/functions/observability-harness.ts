import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import { createTable, type LocalDynamo, startDynalite } from '../../infra/local/dynamo.js';
import { sensitive } from '../../shared/sensitive.js';
import { SIMULATOR_CREDENTIALS, WechatSimulator } from '../../simulator/index.js';
import { simulatorComponent } from '../fixtures/api-gateway.js';
import { independentPush } from '../support/independent-wxcrypt.js';

const TABLE = 'observed-tokens';
const SECRET_ARN = 'arn:aws:secretsmanager:ap-east-1:123456789012:secret:component-AbCdEf';

/**
 * What the four Lambda entries need, run as Lambda runs them: their environment (stubbed before the
 * handlers are imported), a seeded dynalite, the WeChat simulator and a Secrets Manager endpoint on
 * loopback. The Secrets Manager is a real HTTP endpoint rather than a mocked `send`, so that the SDK's
 * middleware stack (and Tracer's middleware in it) runs.
 */
export interface LambdaWorld {
  readonly simulator: WechatSimulator;
  readonly appIds: readonly string[];
  close(): Promise<void>;
}

export async function startLambdaWorld(env: Record<string, string> = {}): Promise<LambdaWorld> {
  const backend: LocalDynamo = await startDynalite();
  const simulator = await WechatSimulator.start({ authorizers: 3 });
  await createTable(backend.endpoint, TABLE);
  const secrets = await startSecretsManager();
  const environment: Record<string, string> = {
    // Lambda's own: without it Powertools counts no invocation as a cold start.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    COMPONENT_APPID: SIMULATOR_CREDENTIALS.componentAppId,
    TABLE_NAME: TABLE,
    COMPONENT_SECRET_ARN: SECRET_ARN,
    WECHAT_API_BASE: simulator.url,
    DYNAMODB_ENDPOINT: backend.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    AWS_REGION: 'ap-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...env,
  };
  for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
  await seed(backend.endpoint, simulator);
  return {
    simulator,
    appIds: simulator.world.population.listing().map((record) => record.appId),
    close: async () => {
      vi.unstubAllEnvs();
      await new Promise((resolve) => secrets.server.close(resolve));
      await simulator.close();
      await backend.close();
    },
  };
}

/** The ticket and the accounts, written as the callback and the sync would. */
async function seed(endpoint: string, simulator: WechatSimulator): Promise<void> {
  const { wireTokenService } = await import('../../shared/service.js');
  const { configFromEnv } = await import('../../shared/config/index.js');
  const { createDocumentClient } = await import('../../shared/store/index.js');
  const { staticSecretReader, parseComponentSecret } = await import('../../shared/secrets.js');
  const seeder = wireTokenService({
    config: configFromEnv(),
    doc: createDocumentClient({ endpoint, region: 'local', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }),
    secret: staticSecretReader(parseComponentSecret(secretValue())),
  });
  await seeder.component.saveTicket(SIMULATOR_CREDENTIALS.componentAppId, {
    ticket: sensitive(simulator.world.issueTicket()),
    createTime: Math.floor(Date.now() / 1000),
    now: Date.now(),
  });
  for (const record of simulator.world.population.listing())
    await seeder.authorizers.create({
      appId: record.appId,
      refreshToken: sensitive(record.refreshToken),
      authTime: record.authTime,
      now: Date.now(),
    });
}

function secretValue() {
  const { componentAppId, componentAppSecret, messageToken, encodingAesKey } = SIMULATOR_CREDENTIALS;
  return { componentAppId, componentAppSecret, messageToken, encodingAesKey };
}

/** GetSecretValue over the wire (JSON 1.1), whatever is asked: the component secret. */
async function startSecretsManager(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      response.end(JSON.stringify({ ARN: SECRET_ARN, Name: 'component', SecretString: JSON.stringify(secretValue()) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A Lambda context as the runtime passes it, for one invocation. */
export function lambdaContext(functionName: string, awsRequestId: string): Context {
  return {
    awsRequestId,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:ap-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/23/[$LATEST]0123456789abcdef',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The JSON lines `run` prints (stdout and stderr: Powertools writes warnings and errors to stderr). */
export async function jsonLinesOf(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const written: string[] = [];
  const record = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(record);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(record);
  try {
    await run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A ticket push, sealed as WeChat seals it, with the current time. */
export function ticketPush(ticket: string): { query: Record<string, string>; body: string } {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const xml = `<xml><AppId><![CDATA[${simulatorComponent.appId}]]></AppId><CreateTime>${timestamp}</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[${ticket}]]></ComponentVerifyTicket></xml>`;
  return independentPush(simulatorComponent, xml, { timestamp, nonce: '1372623149' });
}
