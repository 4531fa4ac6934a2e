import { EVENT_SOURCE, type LifecycleEvent } from './catalogue.js';
import { EventTooLargeError } from './errors.js';

/**
 * PutEvents for the lifecycle events: batches of at most 10 entries and 256 KiB, entries EventBridge
 * refused sent again (within the invocation, a few times), one key's records in their order, and what
 * still failed reported per stream record, so that the record is delivered again (all its events: a
 * record's events are all or nothing, and the ones already sent are deduplicated by their `eventId`).
 */

/** A PutEvents entry, as @aws-sdk/client-eventbridge's `PutEventsRequestEntry` names its fields. */
export interface PutEventsEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string;
  readonly Time?: Date;
}

/** A PutEvents result entry: an `EventId`, or an `ErrorCode` (and message). */
export interface PutEventsResultEntry {
  readonly EventId?: string | undefined;
  readonly ErrorCode?: string | undefined;
  readonly ErrorMessage?: string | undefined;
}

export interface PutEventsResult {
  readonly FailedEntryCount?: number | undefined;
  /** One per entry sent, in the same order. */
  readonly Entries?: readonly PutEventsResultEntry[] | undefined;
}

/**
 * What the publisher needs of EventBridge: the SDK's client, adapted in one line on AWS
 * (functions/events/eventbridge-bus.ts), and the local runtime's stand-in bus (infra/local/event-bus.ts).
 */
export interface EventBusClient {
  putEvents(entries: readonly PutEventsEntry[]): Promise<PutEventsResult>;
}

/** The events one stream record means, its sequence number (what a failure is reported by) and its key. */
export interface RecordEvents {
  readonly sequenceNumber: string;
  /**
   * The item's key: one key's records are published in their order, a later one only once every earlier
   * one is. Without it the record is ordered after no other.
   */
  readonly pk?: string;
  readonly events: readonly LifecycleEvent[];
}

/** An event that can never be sent (larger than PutEvents takes): dropped, so that it does not hold the shard. */
export interface DroppedEvent {
  readonly sequenceNumber: string;
  readonly pk?: string;
  readonly detailType: string;
  readonly eventId: string;
  /** The error class that says why (`EventTooLargeError`). */
  readonly reason: string;
  readonly size: number;
}

/** What one publication did. */
export interface PublishOutcome {
  /** The sequence numbers of the records not wholly published (to be delivered again), in the records' order. */
  readonly failed: string[];
  /** Events EventBridge took. */
  readonly published: number;
  /** Events of the failed records not published: refused, or held back behind an earlier record of their key. */
  readonly notPublished: number;
  readonly dropped: DroppedEvent[];
}

/** PutEvents' limits: entries per call, and bytes per call as EventBridge counts them. */
export const MAX_ENTRIES = 10;
export const MAX_BATCH_BYTES = 256 * 1024;
/**
 * The pauses before each new send of the entries EventBridge refused in one invocation (a refusal is
 * mostly a throttle: PutEvents' rate is per account and Region), so three sends in all; what still fails
 * is reported, and Lambda delivers the record again.
 */
export const RESEND_PAUSES_MS: readonly number[] = [100, 400];

export interface PublishOptions {
  readonly eventBusName: string;
  readonly onFailure?: (failure: { readonly errorCode: string; readonly count: number }) => void;
  /** Waits `ms` (tests pass one that records and returns at once). */
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Publishes every record's events (`publishInOrder`); the sequence numbers of the records not wholly published. */
export async function publishRecords(
  bus: EventBusClient,
  records: readonly RecordEvents[],
  options: PublishOptions,
): Promise<string[]> {
  return (await publishInOrder(bus, records, options)).failed;
}

/**
 * Publishes every record's events, in the records' order, in waves: each wave is the records from the
 * first unpublished one up to the first of a key already in the wave (resending what EventBridge
 * refused), so that a key's later record goes out only once its earlier ones are on the bus. A record still refused fails, and so does every later record of its key, unsent: an
 * account's events never overtake one another. An event too large for any call is dropped (reported in
 * `dropped`), not failed: it would fail every delivery and hold its shard until the record expires.
 */
export async function publishInOrder(
  bus: EventBusClient,
  records: readonly RecordEvents[],
  options: PublishOptions,
): Promise<PublishOutcome> {
  const failed = new Set<string>();
  const blocked = new Set<string>();
  const dropped: DroppedEvent[] = [];
  let published = 0;
  let notPublished = 0;
  let index = 0;
  while (index < records.length) {
    // The wave: the records from here on, up to the first whose key is already in it.
    // A record of no events (most writes: a token renewed) sends nothing, so it does not end the wave:
    // it follows the fate of its key's record in the wave.
    const wave: RecordEvents[] = [];
    const followers: RecordEvents[] = [];
    const keys = new Set<string>();
    for (let record = records[index]; record !== undefined; record = records[++index]) {
      const key = keyOf(record);
      if (blocked.has(key)) {
        failed.add(record.sequenceNumber);
        notPublished += record.events.length;
        continue;
      }
      if (keys.has(key)) {
        if (record.events.length > 0) break;
        followers.push(record);
        continue;
      }
      keys.add(key);
      wave.push(record);
    }
    const pending: Pending[] = [];
    for (const record of wave)
      for (const event of record.events) {
        const entry = entryOf(event, options.eventBusName);
        const size = entrySize(entry);
        if (size <= MAX_BATCH_BYTES) pending.push({ entry, size, sequenceNumber: record.sequenceNumber });
        // Reported in `dropped` (not to onFailure, which is for refusals that may pass).
        else
          dropped.push({
            sequenceNumber: record.sequenceNumber,
            ...(record.pk === undefined ? {} : { pk: record.pk }),
            detailType: event.detailType,
            eventId: event.detail.eventId,
            reason: EventTooLargeError.name,
            size,
          });
      }
    const refused = await sendWithResends(bus, pending, options);
    published += pending.length - refused.length;
    for (const item of refused) {
      notPublished++;
      failed.add(item.sequenceNumber);
    }
    for (const record of wave) if (failed.has(record.sequenceNumber)) blocked.add(keyOf(record));
    for (const record of followers) if (blocked.has(keyOf(record))) failed.add(record.sequenceNumber);
  }
  return {
    failed: records.map((record) => record.sequenceNumber).filter((sequenceNumber) => failed.has(sequenceNumber)),
    published,
    notPublished,
    dropped,
  };
}

function keyOf(record: RecordEvents): string {
  return record.pk ?? `#${record.sequenceNumber}`;
}

/** Sends `pending`, and what EventBridge refused again after each pause; what was still refused. */
async function sendWithResends(
  bus: EventBusClient,
  pending: readonly Pending[],
  options: PublishOptions,
): Promise<Pending[]> {
  let toSend = [...pending];
  for (let send = 0; send <= RESEND_PAUSES_MS.length && toSend.length > 0; send++) {
    if (send > 0) await (options.sleep ?? realSleep)(RESEND_PAUSES_MS[send - 1] ?? 0);
    const refused: Pending[] = [];
    for (const batch of batches(toSend)) refused.push(...(await sendBatch(bus, batch, options)));
    toSend = refused;
  }
  return toSend;
}

interface Pending {
  readonly entry: PutEventsEntry;
  readonly size: number;
  readonly sequenceNumber: string;
}

export function entryOf(event: LifecycleEvent, eventBusName: string): PutEventsEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    EventBusName: eventBusName,
    Time: new Date(event.detail.occurredAt),
  };
}

/**
 * An entry's size as EventBridge counts it against the 256 KiB of a PutEvents call: 14 bytes for
 * `Time`, and the UTF-8 bytes of `Source`, `DetailType` and `Detail` (docs: "Calculating PutEvents
 * event entry size"; `EventBusName` is not counted).
 */
export function entrySize(entry: PutEventsEntry): number {
  const bytes = (value: string) => Buffer.byteLength(value, 'utf8');
  return (entry.Time ? 14 : 0) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
}

/** Consecutive batches, each within both limits. */
export function batches<T extends { readonly size: number }>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length === MAX_ENTRIES || (current.length > 0 && bytes + item.size > MAX_BATCH_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

/** The entries of `batch` that were not published (all of them if the call itself failed). */
async function sendBatch(bus: EventBusClient, batch: readonly Pending[], options: PublishOptions): Promise<Pending[]> {
  let result: PutEventsResult;
  try {
    result = await bus.putEvents(batch.map((item) => item.entry));
  } catch (error) {
    options.onFailure?.({ errorCode: error instanceof Error ? error.name : 'unknown', count: batch.length });
    return [...batch];
  }
  if (!result.FailedEntryCount) return [];
  const entries = result.Entries ?? [];
  const refused = batch.filter((_, index) => {
    const outcome = entries[index];
    // An entry without an answer, or without an EventId, is not known to be published.
    return outcome === undefined || outcome.ErrorCode !== undefined || outcome.EventId === undefined;
  });
  const codes = new Map<string, number>();
  for (const [index] of batch.entries()) {
    const code = entries[index]?.ErrorCode;
    if (code !== undefined) codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  for (const [errorCode, count] of codes) options.onFailure?.({ errorCode, count });
  return refused;
}
