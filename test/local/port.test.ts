import { describe, expect, it } from 'vitest';
import { LocalSettingError } from '../../infra/local/errors.js';
import { portError, requirePort } from '../../infra/local/port.js';

describe('a port that cannot be listened on, in words (infra/local/port.ts)', () => {
  it('in use, or not allowed to this user: a LocalStartError saying what to do', () => {
    // EACCES cannot be provoked here (the tests may run as root), so the mapping is checked on the error Node gives.
    expect(portError(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }), 3000)).toMatchObject({
      problem: 'port_in_use',
      message: expect.stringContaining('port 3000 is already in use'),
    });
    expect(portError(Object.assign(new Error('listen EACCES'), { code: 'EACCES' }), 80)).toMatchObject({
      problem: 'port_not_allowed',
      message: expect.stringContaining('port 80 may not be opened by this user'),
    });
    expect(portError(new Error('something else'), 3000)).toBeUndefined();
  });

  it('out of range: a LocalSettingError before anything listens', () => {
    for (const port of [-1, 65_536, 1.5, Number.NaN]) expect(() => requirePort(port)).toThrow(LocalSettingError);
    for (const port of [0, 3000, 65_535]) expect(() => requirePort(port)).not.toThrow();
  });
});
