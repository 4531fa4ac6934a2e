import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS } from '../../simulator/index.js';
import { callbackEvent, tokenEvent } from '../fixtures/api-gateway.js';
import { scheduledEvent } from '../fixtures/eventbridge.js';
import { jsonLinesOf, type LambdaWorld, lambdaContext, startLambdaWorld, ticketPush } from './observability-harness.js';

type Line = Record<string, unknown>;
type Entry = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/** Two invocations of one container's handler, each with its own request id: the JSON lines of each. */
async function invokeTwice(name: string, handler: Entry, events: [unknown, unknown]): Promise<[Line[], Line[]]> {
  const first = await jsonLinesOf(() => handler(events[0], lambdaContext(name, `${name}-request-1`)));
  const second = await jsonLinesOf(() => handler(events[1], lambdaContext(name, `${name}-request-2`)));
  return [first, second];
}

/** Powertools' log lines carry a level; the metrics lines (EMF) carry `_aws`. */
const logLines = (lines: Line[]) => lines.filter((line) => 'level' in line);
const metricsLines = (lines: Line[]) => lines.filter((line) => '_aws' in line);

/** The dimension names each EMF line declares (its `CloudWatchMetrics` directives'). */
function declaredDimensions(line: Line): string[][] {
  const aws = line['_aws'] as { CloudWatchMetrics: { Dimensions: string[][] }[] };
  return aws.CloudWatchMetrics.flatMap((directive) => directive.Dimensions);
}

function expectContextOnEveryLine(name: string, lines: Line[], requestId: string, coldStart: boolean): void {
  expect(logLines(lines).length).toBeGreaterThan(0);
  for (const line of logLines(lines))
    expect(line).toMatchObject({
      function_request_id: requestId,
      cold_start: coldStart,
      function_name: name,
      function_arn: `arn:aws:lambda:ap-east-1:123456789012:function:${name}`,
      service: 'wechat-authorizer-tokens',
    });
  // The metrics line names its invocation too, as metadata (never a dimension).
  for (const line of lines.filter((candidate) => '_aws' in candidate))
    expect(line).toHaveProperty('function_request_id', requestId);
}

describe('every log line of every function carries its Lambda invocation', () => {
  let world: LambdaWorld;
  beforeAll(async () => {
    world = await startLambdaWorld();
  });
  afterAll(() => world.close());

  it('getter: each line names its route, its appid and API Gateway request id, never the previous one', async () => {
    const { handler } = await import('../../functions/getter/handler.js');
    const [, first = '', second = ''] = world.appIds;
    // First in the file: its accounts' tokens are not yet renewed (the refresh test's scheduled run renews all).
    // WeChat busy once per renewal: the client's retry logs a line in each invocation.
    world.simulator.faults.failNext('api_authorizer_token', -1, 1);
    const firstLines = await jsonLinesOf(() => handler(tokenEvent(first), lambdaContext('getter', 'getter-request-1')));
    world.simulator.faults.failNext('api_authorizer_token', -1, 1);
    const secondEvent = tokenEvent(second);
    secondEvent.requestContext.requestId = 'second-api-request';
    const secondLines = await jsonLinesOf(() => handler(secondEvent, lambdaContext('getter', 'getter-request-2')));
    expectContextOnEveryLine('getter', firstLines, 'getter-request-1', true);
    expectContextOnEveryLine('getter', secondLines, 'getter-request-2', false);
    for (const line of logLines(firstLines))
      expect(line).toMatchObject({
        appid: first,
        route: 'GET /authorizers/{appid}/token',
        correlation_id: 'JKJaXmPLvHcESHA=',
      });
    for (const line of logLines(secondLines))
      expect(line).toMatchObject({ appid: second, correlation_id: 'second-api-request' });
    // Each renewal is counted, under the hub's two dimensions: the service and the configured component AppId.
    for (const lines of [firstLines, secondLines]) {
      const [emf, ...more] = metricsLines(lines);
      expect(more).toEqual([]);
      expect(emf).toMatchObject({
        AuthorizerTokenRenewed: 1,
        service: 'wechat-authorizer-tokens',
        componentAppId: SIMULATOR_CREDENTIALS.componentAppId,
      });
      expect(declaredDimensions(emf ?? {})).toEqual([['service', 'componentAppId']]);
    }
  });

  it('refresh: request id and cold start on each line; the on-demand appid does not reach the scheduled run', async () => {
    const { handler } = await import('../../functions/refresh/handler.js');
    const [appId] = world.appIds;
    const [first, second] = await invokeTwice('refresh', handler, [{ appid: appId }, scheduledEvent]);
    expectContextOnEveryLine('refresh', first, 'refresh-request-1', true);
    expectContextOnEveryLine('refresh', second, 'refresh-request-2', false);
    expect(logLines(first).map((line) => line['message'])).toContain('on-demand renewal');
    for (const line of logLines(first)) expect(line).toHaveProperty('appid', appId);
    expect(logLines(second).map((line) => line['message'])).toContain('scheduled refresh finished');
    for (const line of logLines(second)) expect(line).not.toHaveProperty('appid');
  });

  it('callback: request id and cold start on each line of two pushes', async () => {
    const { handler } = await import('../../functions/callback/handler.js');
    const [first, second] = await invokeTwice('callback', handler as Entry, [
      callbackEvent(ticketPush('ticket@@@observed-1')),
      callbackEvent(ticketPush('ticket@@@observed-2')),
    ]);
    expectContextOnEveryLine('callback', first, 'callback-request-1', true);
    expectContextOnEveryLine('callback', second, 'callback-request-2', false);
    expect(logLines(second).map((line) => line['message'])).toContain('component_verify_ticket received');
  });

  it('sync: request id and cold start on each line of a manual and a scheduled run', async () => {
    const { handler } = await import('../../functions/sync/handler.js');
    const [first, second] = await invokeTwice('sync', handler, [{ sync: true }, scheduledEvent]);
    expectContextOnEveryLine('sync', first, 'sync-request-1', true);
    expectContextOnEveryLine('sync', second, 'sync-request-2', false);
    expect(logLines(first).map((line) => line['message'])).toContain('sync finished');
  });
});
