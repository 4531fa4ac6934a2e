import { createHash } from 'node:crypto';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import {
  changeOfRecord,
  deriveEvents,
  type EventBusClient,
  EventsError,
  publishInOrder,
  type RecordEvents,
} from '../../shared/events/index.js';
import type { Logger } from '../../shared/logger.js';
import { type Metrics, noMetrics } from '../../shared/metrics.js';

/**
 * The events function's adapter: a batch of the table's stream records (NEW_AND_OLD_IMAGES) → the
 * lifecycle events each means (the pure derivation) → PutEvents; the records not wholly published are
 * answered as `batchItemFailures` by their sequence number, so that Lambda delivers them again (from the
 * lowest one on: records after it are published again too, and deduplicated by `eventId`). The mapping
 * retries without a count (until the record is 24 hours old), so only a failure that may pass is
 * reported: a record that cannot be read, or an event too large to send, is dropped here (logged by its
 * key and sequence number, counted as `LifecycleEventsDropped`) and answered as a success, because it
 * would fail every delivery and hold back every later record of its shard for a day.
 *
 * The answer is a success for Lambda whatever was published (a batch item failure is not an error), so
 * the function counts what it did (`LifecycleEventsPublished`, `LifecycleEventsNotPublished`,
 * `LifecycleEventsDropped`) and the alarms watch those.
 *
 * Why a function and not EventBridge Pipes: the derivation needs both images and rules over them (a
 * status left, a list compared), which a Pipe's filter and input template cannot express; here it is one
 * pure function, tested exhaustively, and run as it is by the local runtime. docs/events.md has the rest.
 */

export interface EventsDeps {
  readonly componentAppId: string;
  /** The bus's ARN on AWS (PutEvents takes a name or an ARN; only an ARN names a bus of another account). */
  readonly eventBusName: string;
  readonly bus: EventBusClient;
  readonly logger: Logger;
  /** @default noMetrics (the local runtime) */
  readonly metrics?: Metrics;
  /** The publisher's pause between sends of refused entries (tests: none). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type EventsHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

export function createEvents(deps: () => EventsDeps): EventsHandler {
  return async (event) => {
    const { componentAppId, eventBusName, bus, logger, sleep, metrics = noMetrics } = deps();
    const records: RecordEvents[] = [];
    let unreadable = 0;
    for (const record of event.Records) {
      try {
        const change = changeOfRecord(record);
        records.push({
          sequenceNumber: change.sequenceNumber,
          pk: change.pk,
          events: deriveEvents(change, { componentAppId }),
        });
      } catch (error) {
        // The derivation is pure: a record it cannot read now it cannot read on any retry. Never the
        // images (they hold tokens), nor an unknown error's message (it could quote one).
        unreadable++;
        logger.error('stream record dropped', {
          pk: loggable(keyOf(record)),
          sequenceNumber: record.dynamodb?.SequenceNumber,
          reason: error instanceof EventsError ? `${error.name}: ${error.message}` : errorName(error),
        });
      }
    }
    const outcome = await publishInOrder(bus, records, {
      eventBusName,
      ...(sleep ? { sleep } : {}),
      onFailure: ({ errorCode, count }) => logger.warn('events refused', { errorCode, count }),
    });
    for (const dropped of outcome.dropped)
      logger.error('event dropped', { ...dropped, pk: loggable(dropped.pk), eventId: loggable(dropped.eventId) });
    const failed = new Set(outcome.failed);
    for (const record of records) {
      if (failed.has(record.sequenceNumber))
        logger.warn('stream record not published', {
          pk: loggable(record.pk),
          sequenceNumber: record.sequenceNumber,
        });
      // One line per event published (its id names the account or the session, hashed, and the revision).
      else
        for (const { detailType, detail } of record.events)
          if (!outcome.dropped.some((dropped) => dropped.eventId === detail.eventId))
            logger.info('event published', { detailType, eventId: loggable(detail.eventId) });
    }
    if (outcome.published > 0) metrics.count('LifecycleEventsPublished', outcome.published);
    if (outcome.notPublished > 0) metrics.count('LifecycleEventsNotPublished', outcome.notPublished);
    const dropped = outcome.dropped.length + unreadable;
    if (dropped > 0) metrics.count('LifecycleEventsDropped', dropped);
    return { batchItemFailures: outcome.failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/**
 * A key or event id as a log line may hold it: an onboarding session's id is the bearer credential of its
 * page, so it is logged as a hash (the same one for every line of the session); an appid is not secret.
 */
export function loggable(text: string | undefined): string | undefined {
  return text?.replace(
    /ONBOARDING#([A-Za-z0-9_-]+)/,
    (_, id: string) => `ONBOARDING#sha256:${createHash('sha256').update(id).digest('hex').slice(0, 16)}`,
  );
}

/** The record's key, where it has a readable one (for the log line of a record dropped). */
function keyOf(record: DynamoDBStreamEvent['Records'][number]): string | undefined {
  const pk = record.dynamodb?.Keys?.['pk']?.S;
  return typeof pk === 'string' ? pk : undefined;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
