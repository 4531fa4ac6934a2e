import { createCipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type CryptoFailure, MessageCrypto, openPush, sealPush, WechatCryptoError } from '../../shared/push/index.js';
import { sensitive } from '../../shared/sensitive.js';

const APP_ID = 'wxb11529c136998cb6';
const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const OTHER_KEY = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';
const TOKEN = 'pamtest';

const crypto = new MessageCrypto({ appId: APP_ID, token: sensitive(TOKEN), encodingAesKey: sensitive(KEY) });

/** AES-256-CBC with WeChat's key and IV over exactly these bytes: for ciphertexts our encrypt never makes. */
function rawEncrypt(plain: Buffer, encodingAesKey = KEY): string {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function framed(message: Buffer, appId: string, lengthField = message.length): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(lengthField);
  return Buffer.concat([randomBytes(16), length, message, Buffer.from(appId)]);
}

function pkcs7(plain: Buffer): Buffer {
  const pad = 32 - (plain.length % 32);
  return Buffer.concat([plain, Buffer.alloc(pad, pad)]);
}

function failureOf(action: () => unknown): CryptoFailure {
  try {
    action();
  } catch (error) {
    // Anything but our typed error (a TypeError, a RangeError from Buffer) is a defect.
    expect(error).toBeInstanceOf(WechatCryptoError);
    return (error as WechatCryptoError).reason;
  }
  throw new Error('expected the input to be refused');
}

function pushOf(encrypt: string, overrides: Partial<{ body: string; msgSignature: string }> = {}) {
  const timestamp = '1409304348';
  const nonce = 'xxxxxx';
  return {
    timestamp,
    nonce,
    msgSignature: overrides.msgSignature ?? crypto.sign(timestamp, nonce, encrypt),
    body: overrides.body ?? `<xml><AppId><![CDATA[${APP_ID}]]></AppId><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
  };
}

describe('a push is refused, with a typed reason, when', () => {
  const good = crypto.encrypt('<xml><InfoType><![CDATA[component_verify_ticket]]></InfoType></xml>');

  it('its msg_signature is wrong, of the wrong length, or empty', () => {
    const flipped = pushOf(good).msgSignature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    expect(failureOf(() => openPush(crypto, pushOf(good, { msgSignature: flipped })))).toBe('signature_mismatch');
    expect(failureOf(() => openPush(crypto, pushOf(good, { msgSignature: 'abc' })))).toBe('signature_mismatch');
    // Characters whose low bytes spell the right hex digits are still not hex.
    const spoofed = [...pushOf(good).msgSignature].map((c) => String.fromCharCode(c.charCodeAt(0) + 0x4e00)).join('');
    expect(failureOf(() => openPush(crypto, pushOf(good, { msgSignature: spoofed })))).toBe('signature_mismatch');
    expect(failureOf(() => openPush(crypto, pushOf(good, { msgSignature: '' })))).toBe('missing_field');
  });

  it('accepts an upper-case msg_signature (hex is hex)', () => {
    const push = pushOf(good);
    expect(openPush(crypto, { ...push, msgSignature: push.msgSignature.toUpperCase() }).fields['InfoType']).toBe(
      'component_verify_ticket',
    );
  });

  it('the plaintext ends with another AppId', () => {
    const other = new MessageCrypto({
      appId: 'wx0000000000000000',
      token: sensitive(TOKEN),
      encodingAesKey: sensitive(KEY),
    });
    expect(failureOf(() => openPush(crypto, pushOf(other.encrypt('<xml/>'))))).toBe('appid_mismatch');
  });

  it('the ciphertext is not base64', () => {
    for (const encrypt of ['not base64!', 'abc', '====', 'YWJj\nZA==', 'YW=j']) {
      expect(failureOf(() => crypto.decrypt(encrypt))).toBe('bad_base64');
    }
    expect(failureOf(() => openPush(crypto, pushOf('%%%%')))).toBe('bad_base64');
  });

  it('the ciphertext is not a whole number of AES blocks', () => {
    expect(failureOf(() => crypto.decrypt(Buffer.alloc(20).toString('base64')))).toBe('bad_ciphertext');
  });

  it('the padding is invalid', () => {
    const plain = framed(Buffer.from('<xml/>'), APP_ID);
    const unpadded = Buffer.concat([plain, Buffer.alloc(32 - (plain.length % 32), 0)]);
    expect(failureOf(() => crypto.decrypt(rawEncrypt(unpadded)))).toBe('bad_padding');
    const padded = pkcs7(plain);
    padded[padded.length - 2] = (padded.at(-1) ?? 0) + 1;
    expect(failureOf(() => crypto.decrypt(rawEncrypt(padded)))).toBe('bad_padding');
    // A pad of 33 is valid PKCS#7 for 16-byte blocks, never for WeChat's 32-byte ones.
    const over = Buffer.concat([plain, Buffer.alloc(64 - ((plain.length + 33) % 32), 0x20)]);
    const overPadded = Buffer.concat([over, Buffer.alloc(33, 33)]);
    expect(overPadded.length % 32).toBe(0);
    expect(failureOf(() => crypto.decrypt(rawEncrypt(overPadded)))).toBe('bad_padding');
  });

  it('the length field is truncated or points past the end', () => {
    expect(failureOf(() => crypto.decrypt(rawEncrypt(pkcs7(randomBytes(10)))))).toBe('bad_length');
    const message = Buffer.from('<xml/>');
    expect(failureOf(() => crypto.decrypt(rawEncrypt(pkcs7(framed(message, APP_ID, 4096)))))).toBe('bad_length');
    expect(failureOf(() => crypto.decrypt(rawEncrypt(pkcs7(framed(message, APP_ID, 0xffffffff)))))).toBe('bad_length');
  });

  it('the plaintext is not UTF-8', () => {
    expect(failureOf(() => crypto.decrypt(rawEncrypt(pkcs7(framed(Buffer.from([0xc3, 0x28]), APP_ID)))))).toBe(
      'bad_encoding',
    );
  });

  it('the body is oversized, before anything is parsed', () => {
    const body = `<xml><Encrypt>${'A'.repeat(70_000)}</Encrypt></xml>`;
    expect(failureOf(() => openPush(crypto, pushOf(good, { body })))).toBe('body_too_large');
    expect(failureOf(() => openPush(crypto, pushOf(good, { body: '<xml/>' }), 4))).toBe('body_too_large');
  });

  it('the body, or the decrypted message, is not XML', () => {
    for (const body of [
      '',
      'success',
      '{"Encrypt":"x"}',
      '<xml><Encrypt>x</xml>',
      '<html><Encrypt>x</Encrypt></html>',
    ]) {
      expect(failureOf(() => openPush(crypto, pushOf(good, { body })))).toBe('bad_xml');
    }
    expect(failureOf(() => openPush(crypto, pushOf(crypto.encrypt('just text'))))).toBe('bad_xml');
  });

  it('the XML declares entities (no expansion, no billion laughs)', () => {
    const body = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "${'x'.repeat(10)}">]><xml><Encrypt>&a;</Encrypt></xml>`;
    expect(failureOf(() => openPush(crypto, pushOf(good, { body })))).toBe('bad_xml');
  });

  it('the XML nests too deep or uses prototype names (the parser throws: still a typed refusal)', () => {
    const deep = `<xml>${'<a>'.repeat(150)}x${'</a>'.repeat(150)}<Encrypt>e</Encrypt></xml>`;
    expect(failureOf(() => openPush(crypto, pushOf(good, { body: deep })))).toBe('bad_xml');
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      const body = `<xml><${name}>x</${name}><Encrypt><![CDATA[${good}]]></Encrypt></xml>`;
      expect(failureOf(() => openPush(crypto, pushOf(good, { body })))).toBe('bad_xml');
    }
  });

  it('the XML has no <Encrypt>, or the query lacks timestamp or nonce', () => {
    expect(failureOf(() => openPush(crypto, pushOf(good, { body: '<xml><AppId>x</AppId></xml>' })))).toBe(
      'missing_field',
    );
    expect(failureOf(() => openPush(crypto, { ...pushOf(good), nonce: '' }))).toBe('missing_field');
    expect(failureOf(() => openPush(crypto, { ...pushOf(good), timestamp: '' }))).toBe('missing_field');
  });

  it('random bytes of any length are thrown at it', () => {
    for (let i = 0; i < 300; i++) {
      const junk = randomBytes(i % 97);
      expect(() => crypto.decrypt(junk.toString('base64'))).toThrow(WechatCryptoError);
      expect(() => openPush(crypto, pushOf(good, { body: junk.toString('latin1') }))).toThrow(WechatCryptoError);
    }
  });
});

describe('keys', () => {
  it('refuses an EncodingAESKey that is not 43 base64 characters, or an empty token', () => {
    for (const key of ['', 'short', `${KEY}A`, `${KEY.slice(0, 42)}!`]) {
      expect(
        failureOf(() => new MessageCrypto({ appId: APP_ID, token: sensitive(TOKEN), encodingAesKey: sensitive(key) })),
      ).toBe('invalid_key');
    }
    expect(
      failureOf(() => new MessageCrypto({ appId: APP_ID, token: sensitive(''), encodingAesKey: sensitive(KEY) })),
    ).toBe('invalid_key');
  });

  it('falls back to the previous EncodingAESKey after a rotation, and only to it', () => {
    const before = new MessageCrypto({ appId: APP_ID, token: sensitive(TOKEN), encodingAesKey: sensitive(KEY) });
    const rotated = new MessageCrypto({
      appId: APP_ID,
      token: sensitive(TOKEN),
      encodingAesKey: sensitive(OTHER_KEY),
      previousEncodingAesKey: sensitive(KEY),
    });
    const onlyNew = new MessageCrypto({ appId: APP_ID, token: sensitive(TOKEN), encodingAesKey: sensitive(OTHER_KEY) });
    const encrypt = before.encrypt('<xml><A>1</A></xml>');
    expect(rotated.decrypt(encrypt)).toBe('<xml><A>1</A></xml>');
    expect(rotated.decrypt(rotated.encrypt('<xml/>'))).toBe('<xml/>');
    expect(() => onlyNew.decrypt(encrypt)).toThrow(WechatCryptoError);
  });

  it('never shows the key, the token or the plaintext in an error', () => {
    const secretMessage = '<xml><ComponentVerifyTicket>ticket@@@very-secret</ComponentVerifyTicket></xml>';
    const other = new MessageCrypto({
      appId: 'wx0000000000000000',
      token: sensitive(TOKEN),
      encodingAesKey: sensitive(KEY),
    });
    try {
      crypto.decrypt(other.encrypt(secretMessage));
      expect.unreachable();
    } catch (error) {
      const shown = `${String(error)} ${inspect(error)} ${JSON.stringify(error)}`;
      for (const secret of [KEY, TOKEN, 'very-secret']) expect(shown).not.toContain(secret);
    }
  });
});

describe('sealPush', () => {
  it('produces what openPush accepts, with the plain signature WeChat also sends', () => {
    const sealed = sealPush(crypto, '<xml><InfoType><![CDATA[unauthorized]]></InfoType></xml>', {
      timestamp: '1700000000',
      nonce: '42',
    });
    expect(openPush(crypto, sealed).fields).toEqual({ InfoType: 'unauthorized' });
    expect(sealed.signature).toBe(crypto.signPlain('1700000000', '42'));
    expect(sealed.body).toContain(`<AppId><![CDATA[${APP_ID}]]></AppId>`);
  });
});
