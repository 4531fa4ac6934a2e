import { NamedError, OperatorError } from '../errors.js';

/** Base of the events layer's errors. */
export abstract class EventsError extends NamedError {}

/** A stream record without what every record has (a sequence number, a key): not DynamoDB's. */
export class MalformedStreamRecordError extends EventsError {}

/** One event larger than PutEvents takes (256 KiB): it can never be sent. */
export class EventTooLargeError extends EventsError {}

/** The events function is deployed without the bus to publish to. */
export class EventBusNotConfiguredError extends OperatorError {
  constructor() {
    super('EVENT_BUS_NAME is required by the events function (the EventBridge bus it publishes to)');
  }
}
