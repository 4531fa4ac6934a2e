import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventBridgeBus } from '../../functions/events/eventbridge-bus.js';
import { deriveEvents, entryOf, publishRecords } from '../../shared/events/index.js';
import { authorizer, COMPONENT, change, streamRecord } from './changes.js';

describe('the EventBridge bus', () => {
  afterEach(() => vi.unstubAllEnvs());

  it("sends the publisher's entries as PutEvents and hands back EventBridge's answer", async () => {
    const eventBridge = mockClient(EventBridgeClient);
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'abc' }] });
    const bus = eventBridgeBus(new EventBridgeClient({ region: 'ap-east-1' }));
    const [event] = deriveEvents(change(undefined, authorizer()), { componentAppId: COMPONENT });
    if (!event) throw new Error('no event');
    expect(
      await publishRecords(bus, [{ sequenceNumber: '1', events: [event] }], {
        eventBusName: 'hub-bus',
        sleep: async () => {},
      }),
    ).toEqual([]);
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input).toEqual({ Entries: [entryOf(event, 'hub-bus')] });
    eventBridge.restore();
  });
});

describe('the Lambda entry', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("publishes each record's events to EVENT_BUS_NAME through the SDK", async () => {
    vi.stubEnv('COMPONENT_APPID', COMPONENT);
    vi.stubEnv('TABLE_NAME', 't');
    vi.stubEnv('COMPONENT_SECRET_ARN', 'arn:aws:secretsmanager:eu-west-1:1:secret:x');
    vi.stubEnv('EVENT_BUS_NAME', 'hub-bus');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    const eventBridge = mockClient(EventBridgeClient);
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'abc' }] });
    const { handler } = await import('../../functions/events/handler.js');
    const record = streamRecord(change(undefined, authorizer()));
    expect(await handler({ Records: [record] })).toEqual({ batchItemFailures: [] });
    const [call] = eventBridge.commandCalls(PutEventsCommand);
    expect(call?.args[0].input.Entries?.map((entry) => [entry.EventBusName, entry.DetailType])).toEqual([
      ['hub-bus', 'Authorizer Authorized'],
    ]);
    eventBridge.restore();
  });

  it('without EVENT_BUS_NAME: an operator error naming it', async () => {
    vi.stubEnv('COMPONENT_APPID', 'wxc');
    vi.stubEnv('TABLE_NAME', 't');
    vi.stubEnv('COMPONENT_SECRET_ARN', 'arn:aws:secretsmanager:eu-west-1:1:secret:x');
    vi.stubEnv('EVENT_BUS_NAME', '');
    const { handler } = await import('../../functions/events/handler.js');
    await expect(handler({ Records: [streamRecord(change(undefined, authorizer()))] })).rejects.toThrow(
      /EVENT_BUS_NAME is required by the events function/,
    );
  });
});
