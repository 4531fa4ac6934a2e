import { NamedError } from '../../shared/errors.js';

/** Base of every error the local runtime throws of its own. */
export abstract class LocalRuntimeError extends NamedError {}

/**
 * Why the local runtime cannot start, in words for the terminal (`npm start` prints the message on one
 * line and exits non-zero, with no stack trace): a setting or the machine is wrong, not the code.
 */
export class LocalStartError extends LocalRuntimeError {
  constructor(
    readonly problem:
      | 'port_in_use'
      | 'port_not_allowed'
      | 'data_folder_in_use'
      | 'data_folder_unusable'
      | 'missing_package',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A setting that cannot be used (a seeded appid that is not an appid): `npm start` exits 2 with the message. */
export class LocalSettingError extends LocalRuntimeError {}

/** A control route's input that cannot be used: answered 400 (413 for a body too large) with the message. */
export class ControlInputError extends LocalRuntimeError {
  constructor(
    readonly code:
      | 'invalid_json'
      | 'invalid_appid'
      | 'invalid_duration'
      | 'invalid_permissions'
      | 'body_too_large'
      | 'not_authorized',
    message: string,
  ) {
    super(message);
  }
}
