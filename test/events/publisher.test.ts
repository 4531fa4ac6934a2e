import { describe, expect, it } from 'vitest';
import { createEvents } from '../../functions/events/events.js';
import { createLocalEventBus } from '../../infra/local/event-bus.js';
import {
  DETAIL_TYPES,
  type EventBusClient,
  entryOf,
  entrySize,
  type LifecycleEvent,
  MAX_BATCH_BYTES,
  type PutEventsEntry,
  type PutEventsResult,
  publishRecords,
} from '../../shared/events/index.js';
import { silentLogger } from '../../shared/logger.js';
import { recordingLogger } from '../support/recording-logger.js';
import { authorizer, change, pending, streamRecord } from './changes.js';

const BUS = 'hub-events';

function event(id: string, extra: Record<string, unknown> = {}): LifecycleEvent {
  return {
    detailType: DETAIL_TYPES.refreshTokenRefused,
    detail: {
      componentAppId: 'wxc',
      appId: 'wxa',
      revision: 1,
      eventId: id,
      occurredAt: '2026-01-01T00:00:00.000Z',
      ...extra,
    },
  };
}

/** A bus that records each call, and refuses what `refuse` says (by the entry's eventId and the call's number). */
function scriptedBus(refuse: (eventId: string, call: number) => string | undefined = () => undefined) {
  const calls: PutEventsEntry[][] = [];
  const bus: EventBusClient = {
    async putEvents(entries): Promise<PutEventsResult> {
      calls.push([...entries]);
      const results = entries.map((entry) => {
        const code = refuse((JSON.parse(entry.Detail) as { eventId: string }).eventId, calls.length);
        return code ? { ErrorCode: code, ErrorMessage: 'no' } : { EventId: `e${calls.length}` };
      });
      return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
    },
  };
  const ids = () => calls.map((call) => call.map((entry) => (JSON.parse(entry.Detail) as { eventId: string }).eventId));
  return { bus, calls, ids };
}

describe('publishRecords', () => {
  it('batches of at most 10 entries, in order, every entry on the named bus with the source', async () => {
    const { bus, calls, ids } = scriptedBus();
    const records = Array.from({ length: 7 }, (_, r) => ({
      sequenceNumber: String(r),
      events: [event(`${r}a`), event(`${r}b`), event(`${r}c`)],
    }));
    expect(await publishRecords(bus, records, { eventBusName: BUS })).toEqual([]);
    expect(calls.map((call) => call.length)).toEqual([10, 10, 1]);
    expect(ids().flat()).toEqual(records.flatMap((record) => record.events.map((e) => e.detail.eventId)));
    expect(
      calls.flat().every((entry) => entry.EventBusName === BUS && entry.Source === 'wechat-authorizer-tokens'),
    ).toBe(true);
    expect(calls[0]?.[0]?.Time).toEqual(new Date('2026-01-01T00:00:00.000Z'));
  });

  it('batches of at most 256 KiB as EventBridge counts them (14 for Time, UTF-8 bytes)', async () => {
    const big = (id: string) => event(id, { nickName: '名'.repeat(25_000) });
    const size = entrySize(entryOf(big('x0'), BUS));
    expect(size).toBe(
      14 +
        'wechat-authorizer-tokens'.length +
        DETAIL_TYPES.refreshTokenRefused.length +
        Buffer.byteLength(JSON.stringify(big('x0').detail)),
    );
    const perBatch = Math.floor(MAX_BATCH_BYTES / size);
    const { bus, calls } = scriptedBus();
    const records = [{ sequenceNumber: '1', events: Array.from({ length: 8 }, (_, i) => big(`x${i}`)) }];
    expect(await publishRecords(bus, records, { eventBusName: BUS })).toEqual([]);
    expect(perBatch).toBe(3);
    expect(calls.map((call) => call.length)).toEqual([3, 3, 2]);
    for (const call of calls)
      expect(call.reduce((sum, entry) => sum + entrySize(entry), 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
  });

  it('entries refused are sent again, only they; refused three times, their records are reported', async () => {
    const { bus, ids } = scriptedBus((eventId, call) =>
      eventId === '2b' || (eventId === '1a' && call === 1) ? 'ThrottlingException' : undefined,
    );
    const failures: unknown[] = [];
    const records = ['1', '2', '3'].map((r) => ({ sequenceNumber: r, events: [event(`${r}a`), event(`${r}b`)] }));
    const pauses: number[] = [];
    const sleep = async (ms: number) => {
      pauses.push(ms);
    };
    const failed = await publishRecords(bus, records, {
      eventBusName: BUS,
      onFailure: (f) => failures.push(f),
      sleep,
    });
    expect(failed).toEqual(['2']);
    expect(pauses).toEqual([100, 400]);
    expect(ids()).toEqual([['1a', '1b', '2a', '2b', '3a', '3b'], ['1a', '2b'], ['2b']]);
    expect(failures).toEqual([
      { errorCode: 'ThrottlingException', count: 2 },
      { errorCode: 'ThrottlingException', count: 1 },
      { errorCode: 'ThrottlingException', count: 1 },
    ]);
  });

  it('a call that throws fails its whole batch; an entry too large for any call is dropped, never sent', async () => {
    let calls = 0;
    const bus: EventBusClient = {
      putEvents: async (entries) => {
        calls++;
        if (calls <= 3) throw new Error('socket hang up');
        return { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: 'x' })) };
      },
    };
    const records = [
      { sequenceNumber: '1', events: [event('1a')] },
      { sequenceNumber: '2', events: [event('2a', { nickName: 'x'.repeat(MAX_BATCH_BYTES) })] },
    ];
    expect(await publishRecords(bus, records, { eventBusName: BUS, sleep: async () => {} })).toEqual(['1']);
    expect(calls).toBe(3);
  });

  it('a record of no events succeeds without a call', async () => {
    const { bus, calls } = scriptedBus();
    expect(await publishRecords(bus, [{ sequenceNumber: '9', events: [] }], { eventBusName: BUS })).toEqual([]);
    expect(calls).toEqual([]);
  });
});

describe('the events function', () => {
  it('derives each record, publishes, and answers the failed ones as batchItemFailures', async () => {
    const a = change(undefined, authorizer());
    const b = change(authorizer(), authorizer({ status: 'revoked', statusReason: 'unauthorized_push', revision: 2 }));
    const quiet = change(undefined, pending());
    const { bus, ids } = scriptedBus((eventId) => (eventId.includes('Revoked') ? 'InternalFailure' : undefined));
    const logger = recordingLogger();
    const handler = createEvents(() => ({
      componentAppId: 'wxc',
      eventBusName: BUS,
      bus,
      logger,
      sleep: async () => {},
    }));
    const answer = await handler({
      Records: [
        streamRecord(a),
        streamRecord(quiet),
        streamRecord(b),
        { eventID: 'broken', eventName: 'MODIFY', dynamodb: { SequenceNumber: '77' } },
      ],
    });
    // The unreadable record ('77') is dropped, not failed: it would fail every delivery.
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: b.sequenceNumber }] });
    // One account's records in their order: revision 2 only once revision 1 is on the bus.
    expect(ids()).toEqual([
      [`AUTHORIZER#wx1234567890abcdef#1#Authorizer Authorized`],
      [`AUTHORIZER#wx1234567890abcdef#2#Authorizer Revoked`],
      [`AUTHORIZER#wx1234567890abcdef#2#Authorizer Revoked`],
      [`AUTHORIZER#wx1234567890abcdef#2#Authorizer Revoked`],
    ]);
    // Never an image (they hold tokens) in a log line.
    expect(JSON.stringify(logger.lines)).not.toContain('secret');
  });

  it('publishes to a bus the local stand-in keeps, in the delivered shape', async () => {
    const bus = createLocalEventBus();
    const handler = createEvents(() => ({ componentAppId: 'wxc', eventBusName: BUS, bus, logger: silentLogger }));
    expect(await handler({ Records: [streamRecord(change(undefined, authorizer()))] })).toEqual({
      batchItemFailures: [],
    });
    expect(bus.events()).toEqual([
      {
        id: expect.any(String),
        time: new Date(1_700_000_001_000).toISOString(),
        source: 'wechat-authorizer-tokens',
        'detail-type': 'Authorizer Authorized',
        'event-bus-name': BUS,
        detail: expect.objectContaining({ appId: 'wx1234567890abcdef', revision: 1 }),
      },
    ]);
  });
});
