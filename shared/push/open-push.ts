import { createHash, randomBytes } from 'node:crypto';
import { UndecryptablePushError, WechatCryptoError } from './errors.js';
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
  /**
   * What names this push and no other: the SHA-256 of its ciphertext's bytes (hex). The ciphertext
   * begins with 16 random bytes, so no two pushes share it, and it is what a replay cannot change:
   * whoever holds the message Token can sign a captured ciphertext again with a fresh timestamp and
   * nonce, but any other ciphertext decrypts to another message (or to nothing). The bytes, not the
   * base64 text, so that another spelling of the same bytes is the same push.
   */
  readonly receiptId: string;
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
  const xml = decryptSigned(crypto, encrypt);
  const receiptId = createHash('sha256').update(Buffer.from(encrypt, 'base64')).digest('hex');
  return { xml, fields: parseFlatXml(xml), receiptId };
}

/** Decrypts a ciphertext whose signature was verified: a failure now is an `UndecryptablePushError`. */
function decryptSigned(crypto: MessageCrypto, encrypt: string): string {
  try {
    return crypto.decrypt(encrypt);
  } catch (error) {
    if (!(error instanceof WechatCryptoError)) throw error;
    throw new UndecryptablePushError(error.reason, error.message, { cause: error });
  }
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
