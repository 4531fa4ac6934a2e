import { NamedError } from '../shared/errors.js';

/**
 * Base of the errors the simulator answers a caller with. Misuse of its API (a bad setting, an account it
 * does not have) is not one: it throws as a bad argument does (`TypeError`, `RangeError`, `Error`).
 */
export abstract class SimulatorError extends NamedError {}

export type WorldSnapshotProblem =
  /** The file could not be read, or is not JSON. */
  | 'unreadable'
  /** JSON, but not a world snapshot of this version as it must be. */
  | 'corrupt'
  | 'wrong_format'
  | 'wrong_version'
  /** A snapshot of another component's WeChat. */
  | 'other_component';

/** A snapshot the simulator refuses to restore, and why. */
export class WorldSnapshotError extends SimulatorError {
  constructor(
    readonly problem: WorldSnapshotProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
