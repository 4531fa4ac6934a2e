// The review of issue 15's events (F1, F2, F4, F6): what can never be published is dropped and counted,
// not retried for a day; what was not published is counted (a batch item failure is no Lambda error);
// one account's later records never overtake an earlier one that failed; a pending item revoked before
// its exchange was never an account.
import { describe, expect, it } from 'vitest';
import { createEvents, loggable } from '../../functions/events/events.js';
import {
  deriveEvents,
  type EventBusClient,
  MAX_BATCH_BYTES,
  type PutEventsEntry,
  publishInOrder,
} from '../../shared/events/index.js';
import type { MetricName, Metrics } from '../../shared/metrics.js';
import { recordingLogger } from '../support/recording-logger.js';
import {
  authorizer,
  COMPONENT,
  change,
  completed,
  pending,
  SESSION,
  SESSION_PK,
  session,
  streamRecord,
} from './changes.js';

const ctx = { componentAppId: COMPONENT };

function countingMetrics(): Metrics & { counts: Partial<Record<MetricName, number>> } {
  const counts: Partial<Record<MetricName, number>> = {};
  return {
    counts,
    count: (name, value = 1) => {
      counts[name] = (counts[name] ?? 0) + value;
    },
    duration: () => undefined,
  };
}

/** A bus that refuses every entry whose detail-type `refused` names, and records what it took. */
function refusingBus(refused: (entry: PutEventsEntry) => boolean) {
  const sent: PutEventsEntry[] = [];
  const bus: EventBusClient = {
    putEvents: async (entries) => ({
      FailedEntryCount: entries.filter(refused).length,
      Entries: entries.map((entry) => {
        if (refused(entry)) return { ErrorCode: 'ThrottlingException' };
        sent.push(entry);
        return { EventId: 'x' };
      }),
    }),
  };
  return { bus, sent };
}

function handlerWith(bus: EventBusClient) {
  const logger = recordingLogger();
  const metrics = countingMetrics();
  const handler = createEvents(() => ({
    componentAppId: COMPONENT,
    eventBusName: 'arn:aws:events:ap-east-1:999999999999:event-bus/central',
    bus,
    logger,
    metrics,
    sleep: async () => {},
  }));
  return { handler, logger, metrics };
}

const lines = (logger: ReturnType<typeof recordingLogger>) =>
  logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('F1: what can never be published does not hold the shard', () => {
  it('an event too large is dropped: logged by key, sequence number and reason (never the image), counted, answered a success', async () => {
    const { bus, sent } = refusingBus(() => false);
    const { handler, logger, metrics } = handlerWith(bus);
    const big = change(undefined, authorizer({ nickName: 'x'.repeat(MAX_BATCH_BYTES) }));
    const after = change(authorizer(), authorizer({ revision: 2, status: 'revoked', statusReason: 'not_authorized' }));
    const answer = await handler({ Records: [streamRecord(big), streamRecord(after)] });
    expect(answer).toEqual({ batchItemFailures: [] });
    // The account's later record still goes out: the dropped one no longer stands before it.
    expect(sent.map((entry) => entry.DetailType)).toEqual(['Authorizer Revoked']);
    expect(metrics.counts).toEqual({ LifecycleEventsDropped: 1, LifecycleEventsPublished: 1 });
    const dropped = lines(logger).find((line) => line['message'] === 'event dropped');
    expect(dropped).toMatchObject({
      level: 'error',
      pk: big.pk,
      sequenceNumber: big.sequenceNumber,
      reason: 'EventTooLargeError',
      detailType: 'Authorizer Authorized',
    });
    expect(JSON.stringify(logger.lines)).not.toContain('secret');
    expect(JSON.stringify(logger.lines)).not.toContain('xxxxxxxx');
  });

  it('a record that cannot be read is dropped: logged by key and sequence number, counted, answered a success', async () => {
    const { bus } = refusingBus(() => false);
    const { handler, logger, metrics } = handlerWith(bus);
    const answer = await handler({
      Records: [
        {
          eventID: 'broken',
          dynamodb: { SequenceNumber: '77', Keys: { pk: { S: 'AUTHORIZER#wxbroken' } }, NewImage: {} },
        },
      ],
    });
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(metrics.counts).toEqual({ LifecycleEventsDropped: 1 });
    expect(lines(logger)).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'stream record dropped',
        pk: 'AUTHORIZER#wxbroken',
        sequenceNumber: '77',
        reason: expect.stringContaining('MalformedStreamRecordError'),
      }),
    );
  });
});

describe('F2: a publication that failed is counted, since Lambda sees a success', () => {
  it('a bus that refuses everything: the invocation resolves, and LifecycleEventsNotPublished counts the events', async () => {
    const bus: EventBusClient = {
      putEvents: async () => {
        throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      },
    };
    const { handler, logger, metrics } = handlerWith(bus);
    const record = streamRecord(change(undefined, authorizer()));
    await expect(handler({ Records: [record] })).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber }],
    });
    expect(metrics.counts).toEqual({ LifecycleEventsNotPublished: 1 });
    expect(lines(logger)).toContainEqual(
      expect.objectContaining({
        message: 'stream record not published',
        pk: 'AUTHORIZER#wx1234567890abcdef',
        sequenceNumber: record.dynamodb?.SequenceNumber,
      }),
    );
  });
});

describe("F4: one account's later records wait for its earlier one", () => {
  it('revision 6 refused: revision 7 is not sent, and both are reported failed', async () => {
    const active = authorizer({ revision: 5 });
    const revoked = authorizer({ revision: 6, status: 'revoked', statusReason: 'unauthorized_push' });
    const again = authorizer({ revision: 7, authTime: 1_700_000_500, statusReason: 'authorized' });
    const first = streamRecord(change(active, revoked));
    const second = streamRecord(change(revoked, again));
    const other = streamRecord(
      change(undefined, authorizer({ pk: 'AUTHORIZER#wxother', appId: 'wxother' }), 'AUTHORIZER#wxother'),
    );
    const { bus, sent } = refusingBus((entry) => entry.DetailType === 'Authorizer Revoked');
    const { handler, metrics } = handlerWith(bus);
    const result = await handler({ Records: [first, other, second] });
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: first.dynamodb?.SequenceNumber },
      { itemIdentifier: second.dynamodb?.SequenceNumber },
    ]);
    // Another account is not held back.
    expect(sent.map((entry) => [entry.DetailType, JSON.parse(entry.Detail).appId])).toEqual([
      ['Authorizer Authorized', 'wxother'],
    ]);
    expect(metrics.counts).toEqual({ LifecycleEventsPublished: 1, LifecycleEventsNotPublished: 2 });
  });

  it('publishInOrder: a key whose records all go out is sent one record per wave, in order', async () => {
    const { bus, sent } = refusingBus(() => false);
    const events = (revision: number) =>
      deriveEvents(
        change(authorizer({ revision: revision - 1 }), authorizer({ revision, funcInfo: [1, 15, revision] })),
        ctx,
      );
    const outcome = await publishInOrder(
      bus,
      [5, 6, 7].map((revision) => ({ sequenceNumber: String(revision), pk: 'AUTHORIZER#a', events: events(revision) })),
      { eventBusName: 'b', sleep: async () => {} },
    );
    expect(outcome).toEqual({ failed: [], published: 3, notPublished: 0, dropped: [] });
    expect(sent.map((entry) => JSON.parse(entry.Detail).revision)).toEqual([5, 6, 7]);
  });
});

describe('publishInOrder: the waves', () => {
  it("a record of no events does not end its key's wave: one call for the next account's record", async () => {
    const calls: PutEventsEntry[][] = [];
    const bus: EventBusClient = {
      putEvents: async (entries) => {
        calls.push([...entries]);
        return { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: 'x' })) };
      },
    };
    const [authorized] = deriveEvents(change(undefined, authorizer()), ctx);
    const [other] = deriveEvents(change(undefined, authorizer({ appId: 'wxother' }), 'AUTHORIZER#wxother'), ctx);
    if (!authorized || !other) throw new Error('no events');
    const outcome = await publishInOrder(
      bus,
      [
        { sequenceNumber: '1', pk: 'AUTHORIZER#a', events: [authorized] },
        { sequenceNumber: '2', pk: 'AUTHORIZER#a', events: [] },
        { sequenceNumber: '3', pk: 'AUTHORIZER#b', events: [other] },
      ],
      { eventBusName: 'b', sleep: async () => {} },
    );
    expect(outcome.failed).toEqual([]);
    expect(calls.map((call) => call.length)).toEqual([2]);
  });
});

describe('F6: a pending item revoked before its exchange was never an account', () => {
  it('its revocation says nothing, and its later authorization has previousStatus "none"', () => {
    const p = pending({ revision: 1 });
    const revokedPending = pending({ revision: 2, status: 'revoked', statusReason: 'unauthorized_push' });
    expect(deriveEvents(change(p, revokedPending), ctx)).toEqual([]);
    const active = authorizer({ revision: 3, authTime: 1_700_000_900, refreshToken: 'rt' });
    const [event, ...rest] = deriveEvents(change(revokedPending, active), ctx);
    expect(rest).toEqual([]);
    expect(event?.detailType).toBe('Authorizer Authorized');
    expect(event?.detail).toMatchObject({ previousStatus: 'none' });
  });

  it('an account revoked after it was active keeps previousStatus "revoked"', () => {
    const revoked = authorizer({ revision: 4, status: 'revoked', statusReason: 'unauthorized_push' });
    const active = authorizer({ revision: 5, authTime: 1_700_000_900 });
    expect(deriveEvents(change(revoked, active), ctx)[0]?.detail).toMatchObject({ previousStatus: 'revoked' });
  });
});

describe("an onboarding session's id (its page's credential) is never in a log line", () => {
  it('is logged as a hash in the published line and in the line of a record not published', async () => {
    const published = handlerWith(refusingBus(() => false).bus);
    const done = change(session(), completed(), SESSION_PK);
    expect(await published.handler({ Records: [streamRecord(done)] })).toEqual({ batchItemFailures: [] });
    const refused = handlerWith(refusingBus(() => true).bus);
    await refused.handler({ Records: [streamRecord(done)] });
    const text = [...published.logger.lines, ...refused.logger.lines].join('\n');
    expect(text).toContain('ONBOARDING#sha256:');
    expect(text).not.toContain(SESSION);
    expect(loggable(SESSION_PK)).toBe(loggable(SESSION_PK));
    expect(loggable(`AUTHORIZER#${COMPONENT}`)).toBe(`AUTHORIZER#${COMPONENT}`);
  });
});
