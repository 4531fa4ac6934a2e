// The functions as Lambda would run them: the hub synthesized, each function's asset read from cdk.out,
// its bundle loaded in a Node process of its own with the environment the template gives it (references
// resolved to the local table and secret), and one real event served against dynalite, the WeChat
// simulator and Secrets Manager's protocol on loopback, traced to an X-Ray daemon on loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS, SimClock } from '../../simulator/index.js';
import { callbackEvent, simulatorComponent, tokenEvent } from '../fixtures/api-gateway.js';
import { scheduledEvent } from '../fixtures/eventbridge.js';
import {
  type DeployedFunction,
  invokeBundle,
  lambdaServiceVariables,
  resolveVariables,
  synthesizeHub,
} from '../support/deployed-bundles.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { type FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager.js';
import { type FakeXrayDaemon, segmentNames, startFakeXrayDaemon } from '../support/fake-xray-daemon.js';
import { independentPush } from '../support/independent-wxcrypt.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

const REGION = 'ap-east-1';
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:123456789012:secret:HubTokensComponentSecret-AbCdEf`;
const ACCOUNTS = 3;

describe('the bundles as deployed, each serving one real event', () => {
  const backend = useDynalite();
  let out: string;
  let functions: Map<string, DeployedFunction>;
  let bed: Testbed;
  let secrets: FakeSecretsManager;
  let xray: FakeXrayDaemon;
  let appIds: string[];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'bundles-as-deployed-'));
    functions = new Map(synthesizeHub(out, SIMULATOR_CREDENTIALS.componentAppId).map((fn) => [fn.name, fn]));
    // The bundles run on the wall clock: so does this simulator.
    bed = await startTestbed(backend(), { simulator: { authorizers: 0, clock: new SimClock({ frozen: false }) } });
    const { componentAppId, componentAppSecret, messageToken, encodingAesKey } = SIMULATOR_CREDENTIALS;
    xray = await startFakeXrayDaemon();
    secrets = await startFakeSecretsManager({
      [SECRET_ARN]: JSON.stringify({ componentAppId, componentAppSecret, messageToken, encodingAesKey }),
    });
  }, 120_000);

  afterAll(async () => {
    await secrets?.close();
    await xray?.close();
    await bed?.close();
    rmSync(out, { recursive: true, force: true });
  });

  /** The function's template environment, resolved here, with Lambda's own variables and the local endpoints. */
  function environmentOf(fn: DeployedFunction): Record<string, string> {
    return {
      ...lambdaServiceVariables(fn, REGION),
      ...resolveVariables(fn.variables, { TokensTable: bed.tableName, TokensComponentSecret: SECRET_ARN }),
      DYNAMODB_ENDPOINT: backend().endpoint,
      WECHAT_API_BASE: bed.simulator.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      AWS_XRAY_DAEMON_ADDRESS: xray.address,
    };
  }

  async function invoke(name: string, event: unknown): Promise<unknown> {
    const fn = functions.get(name);
    if (!fn) throw new Error(`no ${name} function in the template`);
    const sent = xray.segments.length;
    const { result, output } = await invokeBundle(fn, environmentOf(fn), event);
    // Traced as on Lambda (Tracer on the SDK clients), and no token in what X-Ray is sent.
    const segments = xray.segments.slice(sent);
    expect(segmentNames(segments)).toEqual(expect.arrayContaining(['## index.handler', 'DynamoDB']));
    expect(JSON.stringify(segments)).not.toMatch(/access_token=|ticket@@@|refreshtoken@@@/i);
    // Every secret read went to AWS_ENDPOINT_URL_SECRETS_MANAGER, for the secret the template names.
    expect(new Set(secrets.requests)).toEqual(new Set(secrets.requests.length ? [SECRET_ARN] : []));
    for (const value of [SIMULATOR_CREDENTIALS.componentAppSecret, SIMULATOR_CREDENTIALS.messageToken]) {
      expect(output).not.toContain(value);
    }
    return result;
  }

  it('six functions, nodejs24.x, index.handler from their asset', () => {
    expect([...functions.keys()].sort()).toEqual(['callback', 'events', 'getter', 'onboarding', 'refresh', 'sync']);
    for (const fn of functions.values()) expect([fn.runtime, fn.handler]).toEqual(['nodejs24.x', 'index.handler']);
  });

  it('callback: stores the ticket of an encrypted push and answers success', async () => {
    const ticket = bed.simulator.world.issueTicket();
    const now = Math.floor(Date.now() / 1000);
    const xml =
      `<xml><AppId><![CDATA[${simulatorComponent.appId}]]></AppId><CreateTime>${now}</CreateTime>` +
      `<InfoType><![CDATA[component_verify_ticket]]></InfoType>` +
      `<ComponentVerifyTicket><![CDATA[${ticket}]]></ComponentVerifyTicket></xml>`;
    const push = independentPush(simulatorComponent, xml, { timestamp: String(now), nonce: '1372623149' });
    expect(await invoke('callback', callbackEvent(push))).toMatchObject({ statusCode: 200, body: 'success' });
    // The push was decrypted with the secret's key: the bundled SDK honoured AWS_ENDPOINT_URL_SECRETS_MANAGER.
    expect(secrets.requests).toEqual([SECRET_ARN]);
    expect(segmentNames(xray.segments)).toContain('SecretsManager');
    expect((await bed.component.get(simulatorComponent.appId))?.ticket?.ticket.reveal()).toBe(ticket);
  });

  it("sync: a scheduled run stores WeChat's authorizer list", async () => {
    bed.simulator.world.seed(ACCOUNTS);
    appIds = bed.simulator.world.population.listing().map((record) => record.appId);
    expect(await invoke('sync', scheduledEvent)).toMatchObject({ ran: true, complete: true, added: ACCOUNTS });
    // WeChat's calls are traced too, named for the host (the simulator's here).
    expect(segmentNames(xray.segments)).toContain(new URL(bed.simulator.url).hostname);
    for (const appId of appIds) expect((await bed.authorizers.get(appId))?.status).toBe('active');
  });

  it('refresh: a scheduled run renews the tokens that are due', async () => {
    await invoke('refresh', scheduledEvent);
    expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(ACCOUNTS);
    for (const appId of appIds) {
      const token = (await bed.authorizers.get(appId))?.accessToken?.token.reveal() ?? '';
      expect(bed.simulator.world.isAuthorizerTokenValid(appId, token)).toBe(true);
    }
  });

  it('getter: GET /authorizers/{appid}/token answers the stored token, valid at WeChat', async () => {
    const [appId = ''] = appIds;
    const answer = (await invoke('getter', tokenEvent(appId))) as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(200);
    const token = JSON.parse(answer.body)['authorizer_access_token'] as string;
    expect(bed.simulator.world.isAuthorizerTokenValid(appId, token)).toBe(true);
    expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(ACCOUNTS);
  });
});
