export * from './catalogue.js';
export { type Change, changeOfRecord, type Image } from './change.js';
export { type DeriveContext, deriveEvents } from './derive.js';
export { EventBusNotConfiguredError, EventsError, EventTooLargeError, MalformedStreamRecordError } from './errors.js';
export {
  type DroppedEvent,
  type EventBusClient,
  entryOf,
  entrySize,
  MAX_BATCH_BYTES,
  MAX_ENTRIES,
  type PublishOptions,
  type PublishOutcome,
  type PutEventsEntry,
  type PutEventsResult,
  type PutEventsResultEntry,
  publishInOrder,
  publishRecords,
  type RecordEvents,
} from './publisher.js';
