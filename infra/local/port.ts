import { LocalSettingError, LocalStartError } from './errors.js';

/** The highest TCP port; 0 asks the system for a free one. */
export const MAX_PORT = 65_535;

/** A port that cannot be listened on at all (Node would throw a RangeError with its stack from `listen`). */
export function requirePort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT)
    throw new LocalSettingError(
      `the port must be a whole number from 0 to ${MAX_PORT} (0 picks a free one), got ${port}`,
    );
}

/**
 * What a failed `listen` on `port` means to whoever started the runtime, in one line that says what to
 * do; `undefined` for an error that is not theirs to fix (it is then thrown as it is).
 */
export function portError(error: unknown, port: number): LocalStartError | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'EADDRINUSE')
    return new LocalStartError(
      'port_in_use',
      `port ${port} is already in use (another local runtime?): stop what uses it, or choose another port with PORT=<port> (0 picks a free one)`,
      { cause: error },
    );
  if (code === 'EACCES')
    return new LocalStartError(
      'port_not_allowed',
      `port ${port} may not be opened by this user (ports below 1024 need privileges): choose another port with PORT=<port> (0 picks a free one)`,
      { cause: error },
    );
  return undefined;
}
