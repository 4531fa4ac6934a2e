import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS } from '../../simulator/index.js';
import { tokenEvent } from '../fixtures/api-gateway.js';
import { jsonLinesOf, type LambdaWorld, lambdaContext, startLambdaWorld } from './observability-harness.js';

type Document = Record<string, unknown> & { name?: string; subsegments?: Document[] };

/** Every (sub)segment in what the X-Ray SDK sent, nested ones too. */
function flatten(documents: Document[]): Document[] {
  return documents.flatMap((document) => [document, ...flatten(document.subsegments ?? [])]);
}

/**
 * Tracer on, as inside Lambda with active tracing: the runtime's variables, and an X-Ray daemon on
 * loopback (UDP) that records what the X-Ray SDK streams. The getter is invoked twice.
 */
describe('Tracer, with active tracing', () => {
  let world: LambdaWorld;
  let daemon: Socket;
  const received: Document[] = [];
  let lines: Record<string, unknown>[] = [];
  const served: string[] = [];
  beforeAll(async () => {
    daemon = createSocket('udp4');
    daemon.on('message', (message) => {
      const [, body = '{}'] = message.toString('utf8').split('\n');
      received.push(JSON.parse(body) as Document);
    });
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    world = await startLambdaWorld({
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      LAMBDA_TASK_ROOT: '/var/task',
      _HANDLER: 'index.handler',
      _X_AMZN_TRACE_ID: 'Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e;Parent=53995c3f42cd8ad8;Sampled=1',
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address() as AddressInfo).port}`,
    });
    const { handler } = await import('../../functions/getter/handler.js');
    const [appId = ''] = world.appIds;
    lines = await jsonLinesOf(async () => {
      for (const requestId of ['traced-1', 'traced-2']) {
        const answer = await handler(tokenEvent(appId), lambdaContext('getter', requestId));
        served.push(String((JSON.parse(answer.body) as Record<string, unknown>)['authorizer_access_token']));
      }
      // Subsegments go out as UDP datagrams when they close: give the last ones a moment to arrive.
      await new Promise((resolve) => setTimeout(resolve, 200));
    });
  });
  afterAll(async () => {
    await world.close();
    daemon.close();
  });

  it('opens one handler subsegment per invocation, annotated with the cold start, the service and the appid', () => {
    const handlers = flatten(received).filter((document) => document.name === '## index.handler');
    expect(handlers.map((document) => document['annotations'])).toEqual([
      expect.objectContaining({ ColdStart: true, Service: 'wechat-authorizer-tokens', appid: world.appIds[0] }),
      expect.objectContaining({ ColdStart: false, Service: 'wechat-authorizer-tokens', appid: world.appIds[0] }),
    ]);
    // Never the response as metadata: it is a token.
    for (const document of handlers) expect(document).not.toHaveProperty('metadata');
    expect(served[0]).toMatch(/./);
    for (const secret of [...served, SIMULATOR_CREDENTIALS.componentAppSecret])
      expect(JSON.stringify(received)).not.toContain(secret);
  });

  it('traces the DynamoDB and Secrets Manager calls through the SDK clients', () => {
    const aws = flatten(received).filter((document) => document['namespace'] === 'aws');
    const calls = aws.map((document) => `${document.name}.${(document['aws'] as { operation?: string }).operation}`);
    expect(calls).toContain('SecretsManager.GetSecretValue');
    expect(calls.filter((call) => call.startsWith('DynamoDB.')).length).toBeGreaterThan(0);
  });

  it("traces WeChat's HTTPS calls (fetch) by host and path, without the query that holds the access token", () => {
    const wechat = flatten(received).filter((document) => document.name === '127.0.0.1');
    const urls = wechat.map((document) => (document['http'] as { request: { url: string } }).request.url);
    expect(urls).toEqual(expect.arrayContaining([expect.stringMatching(/\/cgi-bin\/component\/api_component_token$/)]));
    for (const url of urls) expect(url).not.toContain('?');
    expect(JSON.stringify(received)).not.toContain('access_token=');
  });

  it('prints nothing of its own: every line is a log line or a metrics line', () => {
    expect(lines.every((line) => 'level' in line || '_aws' in line)).toBe(true);
  });
});
