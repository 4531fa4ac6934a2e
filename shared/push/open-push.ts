import { randomBytes } from 'node:crypto';
import { WechatCryptoError } from './errors.js';
import type { MessageCrypto } from './message-crypto.js';
import { buildFlatXml, parseFlatXml, requireField, type XmlFields } from './xml.js';

/** Pushes are a few hundred bytes; anything much larger is not WeChat and is refused unread. */
export const MAX_PUSH_BYTES = 16 * 1024;

/** What arrives at the callback URL: the query string's parameters and the raw body. */
export interface EncryptedPush {
  readonly msgSignature: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly body: string;
}

export interface OpenedPush {
  /** The decrypted inner XML. */
  readonly xml: string;
  readonly fields: XmlFields;
}

/**
 * Verifies and decrypts a push: size, outer XML, msg_signature over its <Encrypt>, the ciphertext, the
 * trailing AppId, and the inner XML, in that order, so that nothing is decrypted before it is signed.
 */
export function openPush(crypto: MessageCrypto, push: EncryptedPush, maxBytes = MAX_PUSH_BYTES): OpenedPush {
  if (Buffer.byteLength(push.body, 'utf8') > maxBytes) {
    throw new WechatCryptoError('body_too_large', `the body is over ${maxBytes} bytes`);
  }
  for (const [name, value] of Object.entries({
    msg_signature: push.msgSignature,
    timestamp: push.timestamp,
    nonce: push.nonce,
  })) {
    if (!value) throw new WechatCryptoError('missing_field', `the query has no ${name}`);
  }
  const encrypt = requireField(parseFlatXml(push.body), 'Encrypt');
  crypto.verify(push.msgSignature, push.timestamp, push.nonce, encrypt);
  const xml = crypto.decrypt(encrypt);
  return { xml, fields: parseFlatXml(xml) };
}

export interface SealedPush extends EncryptedPush {
  /** The plain `signature` parameter WeChat sends too. */
  readonly signature: string;
}

/** Encrypts and signs a message the way WeChat pushes it (the simulator's half of `openPush`). */
export function sealPush(
  crypto: MessageCrypto,
  message: string,
  options: { timestamp: string; nonce?: string },
): SealedPush {
  const nonce = options.nonce ?? String(randomBytes(4).readUInt32BE());
  const encrypt = crypto.encrypt(message);
  const body = buildFlatXml({ AppId: crypto.appId, Encrypt: encrypt });
  return {
    body,
    timestamp: options.timestamp,
    nonce,
    msgSignature: crypto.sign(options.timestamp, nonce, encrypt),
    signature: crypto.signPlain(options.timestamp, nonce),
  };
}
