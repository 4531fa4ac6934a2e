import { NamedError } from '../errors.js';

/** Base of every error the push layer throws: a push that cannot be read, trusted or acted on. */
export abstract class PushError extends NamedError {}

/** Why a push, a key or a ciphertext was refused. Each is a distinct, testable failure. */
export type CryptoFailure =
  | 'invalid_key'
  | 'body_too_large'
  | 'bad_xml'
  | 'missing_field'
  | 'signature_mismatch'
  | 'bad_base64'
  | 'bad_ciphertext'
  | 'bad_padding'
  | 'bad_length'
  | 'bad_encoding'
  | 'appid_mismatch';

/** A push or ciphertext that cannot be trusted. The message never includes the key, token or plaintext. */
export class WechatCryptoError extends PushError {
  readonly reason: CryptoFailure;

  constructor(reason: CryptoFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * A push whose signature was valid but whose ciphertext our keys cannot decrypt. WeChat signs and
 * encrypts with the same component's Token and EncodingAESKey, so this never happens to a genuine push
 * unless the EncodingAESKey in the secret is not the one WeChat uses (a mistaken change or rotation);
 * from anyone else it is someone who holds the Token probing the decryption. Its own class, so that the
 * push handler tells it apart from every other refusal and raises an alarm.
 */
export class UndecryptablePushError extends WechatCryptoError {}
