import { describe, expect, it } from 'vitest';
import { MessageCrypto, openPush, parseFlatXml } from '../../shared/push/index.js';
import { sensitive } from '../../shared/sensitive.js';
import { PUBLISHED_VECTORS, type PublishedVector } from '../fixtures/published-vectors.js';

function cryptoFor(vector: PublishedVector): MessageCrypto {
  return new MessageCrypto({
    appId: vector.appId,
    token: sensitive(vector.token),
    encodingAesKey: sensitive(vector.encodingAesKey),
  });
}

type Signed = PublishedVector & { readonly msgSignature: string };
type WithRandom = PublishedVector & { readonly random: string };

/** Each case runs on the vectors that publish what it checks: no vector is skipped, none is checked vacuously. */
const named = <V extends PublishedVector>(vectors: readonly V[]) =>
  vectors.map((vector) => [`${vector.id}: ${vector.source}`, vector] as const);
const signed = PUBLISHED_VECTORS.filter((vector): vector is Signed => vector.msgSignature !== undefined);
const pushes = signed.filter((vector) => vector.fields !== undefined || vector.plaintext?.startsWith('<xml') === true);
const withRandom = PUBLISHED_VECTORS.filter((vector): vector is WithRandom => vector.random !== undefined);

describe.each(named(PUBLISHED_VECTORS))('%s', (_name, vector) => {
  it('decrypts to what the source publishes', () => {
    const crypto = cryptoFor(vector);
    const message = crypto.decrypt(vector.encrypt);
    if (vector.plaintext !== undefined) expect(message).toBe(vector.plaintext);
    if (vector.fields !== undefined) expect(parseFlatXml(message)).toMatchObject(vector.fields);
    expect(vector.plaintext ?? vector.fields).toBeDefined();
  });
});

describe.each(named(signed))('%s', (_name, vector) => {
  it('computes and accepts the published msg_signature', () => {
    const crypto = cryptoFor(vector);
    const signature = vector.msgSignature;
    expect(crypto.sign(vector.timestamp, vector.nonce, vector.encrypt)).toBe(signature);
    expect(() => crypto.verify(signature, vector.timestamp, vector.nonce, vector.encrypt)).not.toThrow();
    expect(() => crypto.verify(signature, vector.timestamp, `${vector.nonce}1`, vector.encrypt)).toThrow(
      /msg_signature/,
    );
  });
});

describe.each(named(pushes))('%s', (_name, vector) => {
  it('opens the push end to end', () => {
    const crypto = cryptoFor(vector);
    const body = `<xml><ToUserName><![CDATA[${vector.appId}]]></ToUserName><Encrypt><![CDATA[${vector.encrypt}]]></Encrypt></xml>`;
    const opened = openPush(crypto, {
      msgSignature: vector.msgSignature,
      timestamp: vector.timestamp,
      nonce: vector.nonce,
      body,
    });
    expect(opened.xml).toBe(crypto.decrypt(vector.encrypt));
  });
});

describe.each(named(withRandom))('%s', (_name, vector) => {
  it('encrypts with the fixed random prefix to the published ciphertext', () => {
    const random = Buffer.from(vector.random, 'utf8');
    expect(cryptoFor(vector).encrypt(vector.plaintext ?? '', random)).toBe(vector.encrypt);
  });
});

it('uses vectors from at least three independent sources, signed and unsigned', () => {
  const sources = new Set(PUBLISHED_VECTORS.map((vector) => vector.source.split(' ')[0]));
  expect(sources.size).toBeGreaterThanOrEqual(3);
  expect(PUBLISHED_VECTORS.filter((vector) => vector.msgSignature).length).toBeGreaterThanOrEqual(5);
  expect(PUBLISHED_VECTORS.filter((vector) => vector.random).length).toBeGreaterThanOrEqual(3);
});
