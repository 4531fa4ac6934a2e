import { randomUUID } from 'node:crypto';
import type { EventBusClient, PutEventsEntry, PutEventsResult } from '../../shared/events/index.js';

/**
 * The local runtime's stand-in for the EventBridge bus: an `EventBusClient` (what the events publisher
 * sends PutEvents to) that keeps every entry put, in order, in the shape EventBridge delivers an event
 * to a rule's target (`id`, `time`, `source`, `detail-type`, `detail` as an object). `GET /__local/events`
 * answers `{ events: bus.events() }`.
 *
 * Like EventBridge it does not deduplicate: an event re-sent after a failure is kept twice, with the same
 * `detail.eventId`, as a consumer would receive it.
 */

export interface PublishedEvent {
  /** EventBridge's own id of the put (a fresh one per put, as EventBridge gives). */
  readonly id: string;
  readonly time: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly 'event-bus-name': string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface LocalEventBus extends EventBusClient {
  /** Every event put so far, in the order put. */
  events(): readonly PublishedEvent[];
  /** Forgets them (a test's fresh start). */
  clear(): void;
}

/** At most this many are kept (the oldest dropped): a runtime left running for days must not grow without end. */
const KEPT = 10_000;

export function createLocalEventBus(options: { kept?: number } = {}): LocalEventBus {
  const kept = options.kept ?? KEPT;
  let published: PublishedEvent[] = [];
  return {
    async putEvents(entries: readonly PutEventsEntry[]): Promise<PutEventsResult> {
      const results = entries.map((entry) => {
        const event: PublishedEvent = {
          id: randomUUID(),
          time: (entry.Time ?? new Date()).toISOString(),
          source: entry.Source,
          'detail-type': entry.DetailType,
          'event-bus-name': entry.EventBusName,
          detail: JSON.parse(entry.Detail) as Record<string, unknown>,
        };
        published.push(event);
        return { EventId: event.id };
      });
      if (published.length > kept) published = published.slice(published.length - kept);
      return { FailedEntryCount: 0, Entries: results };
    },
    events: () => [...published],
    clear: () => {
      published = [];
    },
  };
}
