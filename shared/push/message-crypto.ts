import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Sensitive } from '../sensitive.js';
import { WechatCryptoError } from './errors.js';

// WeChat's message encryption (the "WXBizMsgCrypt" scheme of its sample code):
//   key        = base64(EncodingAESKey + "="), 32 bytes; AES-256-CBC with IV = key[0..16)
//   plaintext  = 16 random bytes ‖ uint32be(len(msg)) ‖ msg ‖ appid, PKCS#7-padded to 32 bytes
//   signature  = hex(sha1(sorted([token, timestamp, nonce, encrypt]).join("")))

const PAD_BLOCK = 32;
const AES_BLOCK = 16;
const RANDOM_PREFIX = 16;
const HEADER = RANDOM_PREFIX + 4;
const SIGNATURE_HEX = /^[0-9a-fA-F]{40}$/;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface MessageCryptoKeys {
  readonly token: Sensitive;
  readonly encodingAesKey: Sensitive;
  /** The key before the last rotation: WeChat may still encrypt with it for a while. */
  readonly previousEncodingAesKey?: Sensitive | undefined;
  /** The component AppId every plaintext must end with. */
  readonly appId: string;
}

export class MessageCrypto {
  readonly appId: string;
  readonly #token: Sensitive;
  readonly #keys: readonly Buffer[];

  constructor(config: MessageCryptoKeys) {
    if (!config.appId) throw new WechatCryptoError('invalid_key', 'appId is required');
    if (!config.token.reveal()) throw new WechatCryptoError('invalid_key', 'the message token is empty');
    this.appId = config.appId;
    this.#token = config.token;
    this.#keys = [config.encodingAesKey, config.previousEncodingAesKey]
      .filter((key): key is Sensitive => key !== undefined)
      .map(decodeEncodingAesKey);
  }

  /** msg_signature of an encrypted message. */
  sign(timestamp: string, nonce: string, encrypt: string): string {
    return sha1Hex([this.#token.reveal(), timestamp, nonce, encrypt].sort().join(''));
  }

  /** The plain `signature` query parameter WeChat adds beside msg_signature. */
  signPlain(timestamp: string, nonce: string): string {
    return sha1Hex([this.#token.reveal(), timestamp, nonce].sort().join(''));
  }

  /** Throws unless msgSignature is this message's signature. The comparison takes constant time. */
  verify(msgSignature: string, timestamp: string, nonce: string, encrypt: string): void {
    // Compare digests, not text: hex decoding of anything but 40 hex digits is refused first, so no
    // other spelling of a signature (upper case aside) can pass.
    const expected = Buffer.from(this.sign(timestamp, nonce, encrypt), 'hex');
    const given = SIGNATURE_HEX.test(msgSignature) ? Buffer.from(msgSignature, 'hex') : undefined;
    if (!given || !timingSafeEqual(given, expected)) {
      throw new WechatCryptoError('signature_mismatch', 'msg_signature does not match');
    }
  }

  /** Decrypts with the current key, then the previous one; the error is the current key's. */
  decrypt(encrypt: string): string {
    const ciphertext = decodeCiphertext(encrypt);
    let firstError: WechatCryptoError | undefined;
    for (const key of this.#keys) {
      try {
        return this.#decryptWith(key, ciphertext);
      } catch (error) {
        if (!(error instanceof WechatCryptoError)) throw error;
        firstError ??= error;
      }
    }
    throw firstError ?? new WechatCryptoError('invalid_key', 'no EncodingAESKey configured');
  }

  /** Encrypts with the current key. `random` fixes the 16-byte prefix (for test vectors only). */
  encrypt(message: string, random: Buffer = randomBytes(RANDOM_PREFIX)): string {
    if (random.length !== RANDOM_PREFIX) throw new RangeError(`the random prefix must be ${RANDOM_PREFIX} bytes`);
    const key = this.#keys[0];
    if (!key) throw new WechatCryptoError('invalid_key', 'no EncodingAESKey configured');
    const body = Buffer.from(message, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    const plain = Buffer.concat([random, length, body, Buffer.from(this.appId, 'utf8')]);
    const pad = PAD_BLOCK - (plain.length % PAD_BLOCK);
    const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, AES_BLOCK)).setAutoPadding(false);
    return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString(
      'base64',
    );
  }

  #decryptWith(key: Buffer, ciphertext: Buffer): string {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, AES_BLOCK)).setAutoPadding(false);
    const padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    const plain = unpad(padded);
    if (plain.length < HEADER) throw new WechatCryptoError('bad_length', 'the plaintext is shorter than its header');
    const length = plain.readUInt32BE(RANDOM_PREFIX);
    if (length > plain.length - HEADER) {
      throw new WechatCryptoError('bad_length', 'the length field points past the end of the plaintext');
    }
    const message = decodeUtf8(plain.subarray(HEADER, HEADER + length));
    const appId = decodeUtf8(plain.subarray(HEADER + length));
    if (appId !== this.appId) throw new WechatCryptoError('appid_mismatch', 'the message is for another AppId');
    return message;
  }
}

function decodeEncodingAesKey(encodingAesKey: Sensitive): Buffer {
  const text = encodingAesKey.reveal();
  if (text.length !== 43 || !STRICT_BASE64.test(`${text}=`)) {
    throw new WechatCryptoError('invalid_key', 'an EncodingAESKey is 43 base64 characters');
  }
  return Buffer.from(`${text}=`, 'base64');
}

function decodeCiphertext(encrypt: string): Buffer {
  if (encrypt.length === 0 || encrypt.length % 4 !== 0 || !STRICT_BASE64.test(encrypt)) {
    throw new WechatCryptoError('bad_base64', 'the ciphertext is not base64');
  }
  const ciphertext = Buffer.from(encrypt, 'base64');
  if (ciphertext.length % AES_BLOCK !== 0) {
    throw new WechatCryptoError('bad_ciphertext', 'the ciphertext is not a whole number of AES blocks');
  }
  return ciphertext;
}

function unpad(padded: Buffer): Buffer {
  const pad = padded.at(-1) ?? 0;
  if (pad < 1 || pad > PAD_BLOCK || pad > padded.length) {
    throw new WechatCryptoError('bad_padding', 'the PKCS#7 padding is invalid');
  }
  for (let i = padded.length - pad; i < padded.length; i++) {
    if (padded[i] !== pad) throw new WechatCryptoError('bad_padding', 'the PKCS#7 padding is invalid');
  }
  return padded.subarray(0, padded.length - pad);
}

function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new WechatCryptoError('bad_encoding', 'the plaintext is not UTF-8', { cause: error });
  }
}

function sha1Hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}
