import { NamedError } from '../../shared/errors.js';

/** Base of the errors a function throws for an event it was not made for (named once, `cause` kept). */
export abstract class EventError extends NamedError {}
