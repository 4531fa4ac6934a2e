import { expect, it } from 'vitest';
import { PUBLISHED_VECTORS } from '../fixtures/published-vectors.js';
import { independentEncrypt, independentSignature } from '../support/independent-wxcrypt.js';

// The callback's tests encrypt pushes with this second implementation; it must itself be right.
it('the independent encryptor reproduces every published fixed-random vector and signature', () => {
  const withRandom = PUBLISHED_VECTORS.filter(
    (vector) => vector.random !== undefined && vector.plaintext !== undefined,
  );
  expect(withRandom.length).toBeGreaterThanOrEqual(3);
  for (const vector of withRandom) {
    expect(independentEncrypt(vector.encodingAesKey, vector.appId, vector.plaintext ?? '', vector.random ?? '')).toBe(
      vector.encrypt,
    );
  }
  for (const vector of PUBLISHED_VECTORS.filter((v) => v.msgSignature !== undefined)) {
    expect(independentSignature(vector.token, vector.timestamp, vector.nonce, vector.encrypt)).toBe(
      vector.msgSignature,
    );
  }
});
