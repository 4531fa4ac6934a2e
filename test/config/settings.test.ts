import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, ConfigError, configFromEnv, SETTINGS, type Setting } from '../../shared/config/index.js';
import { validateLeaseMs } from '../../shared/tokens/trust.js';

const minimal = {
  COMPONENT_APPID: 'wx5e1a0c0ffee0c0de',
  TABLE_NAME: 'tokens',
  COMPONENT_SECRET_ARN: 'arn:aws:secretsmanager:x',
};
const settings: readonly Setting[] = Object.values(SETTINGS);

describe('the settings table', () => {
  it('names each environment variable once', () => {
    const names = settings.map((setting) => setting.env);
    expect(new Set(names).size).toBe(names.length);
  });

  it("has every default within its setting's range", () => {
    for (const setting of settings) {
      if (setting.kind !== 'whole') continue;
      expect(Number.isInteger(setting.default)).toBe(true);
      expect(setting.default).toBeGreaterThanOrEqual(setting.min);
      expect(setting.default).toBeLessThanOrEqual(setting.max);
    }
  });

  it('gives the defaults configFromEnv applies (what the local runtime and the renewers start from)', () => {
    expect(configFromEnv(minimal)).toMatchObject(CONFIG_DEFAULTS);
  });

  it("allows exactly the leases trust.ts's rule allows", () => {
    const { min, max } = SETTINGS.leaseMs;
    expect(validateLeaseMs(min * 1000)).toBe(min * 1000);
    expect(validateLeaseMs(max * 1000)).toBe(max * 1000);
    expect(() => validateLeaseMs((min - 1) * 1000)).toThrow(RangeError);
    expect(() => validateLeaseMs((max + 1) * 1000)).toThrow(RangeError);
  });
});

describe('ConfigError', () => {
  it('is named once for its class and keeps its cause', () => {
    const cause = new Error('underneath');
    const error = new ConfigError(['X is required'], { cause });
    expect(error.name).toBe('ConfigError');
    expect(error.cause).toBe(cause);
    expect(error.problems).toEqual(['X is required']);
    expect(error.message).toBe('invalid configuration: X is required');
  });
});
