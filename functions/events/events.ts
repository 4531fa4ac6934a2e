import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { errorLogFields } from '../../shared/errors.js';
import {
  changeOfRecord,
  deriveEvents,
  type EventBusClient,
  publishRecords,
  type RecordEvents,
} from '../../shared/events/index.js';
import type { Logger } from '../../shared/logger.js';

/**
 * The events function's adapter: a batch of the table's stream records (NEW_AND_OLD_IMAGES) → the
 * lifecycle events each means (the pure derivation) → PutEvents; the records not wholly published are
 * answered as `batchItemFailures` by their sequence number, so that Lambda delivers them again (from the
 * lowest one on: records after it are published again too, and deduplicated by `eventId`).
 *
 * Why a function and not EventBridge Pipes: the derivation needs both images and rules over them (a
 * status left, a list compared), which a Pipe's filter and input template cannot express; here it is one
 * pure function, tested exhaustively, and run as it is by the local runtime. docs/events.md has the rest.
 */

export interface EventsDeps {
  readonly componentAppId: string;
  readonly eventBusName: string;
  readonly bus: EventBusClient;
  readonly logger: Logger;
  /** The publisher's pause between sends of refused entries (tests: none). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type EventsHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

export function createEvents(deps: () => EventsDeps): EventsHandler {
  return async (event) => {
    const { componentAppId, eventBusName, bus, logger, sleep } = deps();
    const records: RecordEvents[] = [];
    const failures: string[] = [];
    for (const record of event.Records) {
      try {
        const change = changeOfRecord(record);
        records.push({ sequenceNumber: change.sequenceNumber, events: deriveEvents(change, { componentAppId }) });
      } catch (error) {
        // Never the images: they hold tokens. A record that cannot be read is reported, so that it ends in
        // the on-failure destination rather than vanish.
        logger.error('stream record not derivable', { ...errorLogFields(error), eventID: record.eventID });
        const sequenceNumber = record.dynamodb?.SequenceNumber;
        if (sequenceNumber) failures.push(sequenceNumber);
      }
    }
    const failed = await publishRecords(bus, records, {
      eventBusName,
      ...(sleep ? { sleep } : {}),
      onFailure: ({ errorCode, count }) => logger.warn('events not published', { errorCode, count }),
    });
    // One line per event published (its id names the account and the revision, nothing secret).
    for (const record of records)
      if (!failed.includes(record.sequenceNumber))
        for (const { detailType, detail } of record.events)
          logger.info('event published', { detailType, eventId: detail.eventId });
    return { batchItemFailures: [...failures, ...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
