import { isNearNow, parseUnixSeconds } from '../wechat-time.js';
import { type CryptoFailure, UndecryptablePushError, WechatCryptoError } from './errors.js';
import type { MessageCrypto } from './message-crypto.js';
import { type EncryptedPush, openPush } from './open-push.js';
import { type ComponentPush, readPush } from './read-push.js';

/** What the callback received: the push's signature parameters and body, and the query's `encrypt_type`. */
export interface ReceivedPush extends EncryptedPush {
  /** WeChat sends `aes`; a push in plain text is not accepted. */
  readonly encryptType: string | undefined;
}

/**
 * Why a push was refused. Logged and counted, never answered: every refused push gets one identical
 * answer, so that nobody learns from it which check failed (a padding oracle needs exactly that).
 */
export type RefusalReason =
  | CryptoFailure
  /** Not `encrypt_type=aes`. */
  | 'not_encrypted'
  /** The query's `timestamp` is not decimal seconds within `MAX_WECHAT_CLOCK_SKEW_MS` of now. */
  | 'stale_timestamp'
  /** The decrypted `CreateTime` is not within `MAX_WECHAT_CLOCK_SKEW_MS` of now. */
  | 'stale_or_future_time'
  /** The decrypted `<AppId>` names another component. */
  | 'other_component'
  /** A field the push's type needs is missing or malformed. */
  | 'malformed'
  /** The authorization code belongs to another account than the push names. */
  | 'wrong_account'
  /** Reading the push threw something else than a refusal: a defect, refused all the same. */
  | 'unreadable';

export interface Refusal {
  readonly reason: RefusalReason;
  /** Signed, but not decryptable with our keys: never a genuine push, unless the EncodingAESKey is wrong. */
  readonly undecryptable: boolean;
  /** For `malformed`: which field (a fixed text, never a value of the push). */
  readonly problem?: string;
  /** For `unreadable`: the class of what was thrown. */
  readonly error?: string;
}

/** A push every check passed: what it asks, and what names it (see `OpenedPush.receiptId`). */
export interface AdmittedPush {
  readonly push: ComponentPush;
  readonly receiptId: string;
}

export function refusal(reason: RefusalReason, details: Omit<Refusal, 'reason' | 'undecryptable'> = {}): Refusal {
  return { reason, undecryptable: false, ...details };
}

/**
 * The checks that need neither the keys nor the body: `encrypt_type` and the query's `timestamp`. Made
 * before the signature, since they cost nothing under a flood, and their refusal is answered like any
 * other. The timestamp is signed, so a replay cannot move it; within the window, the receipts catch it.
 */
export function screenPush(received: ReceivedPush, nowMs: number): Refusal | undefined {
  if (received.encryptType !== 'aes') return refusal('not_encrypted');
  const timestamp = parseUnixSeconds(received.timestamp);
  if (timestamp === undefined || !isNearNow(timestamp, nowMs)) return refusal('stale_timestamp');
  return undefined;
}

/**
 * Opens a push (size, signature, decryption, inner XML: see `openPush`) and reads it: its `<AppId>` must
 * be ours (WeChat names the component in every push it sends one) and its `CreateTime` near now (a push
 * stamped far from now is a replay or a forgery: one from the far future would outrank every ticket
 * after it). Nothing here reads or writes the store; everything it throws is a refusal.
 */
export function admitPush(crypto: MessageCrypto, received: ReceivedPush, nowMs: number): AdmittedPush | Refusal {
  try {
    const opened = openPush(crypto, received);
    const appId = opened.fields['AppId'];
    if (appId === undefined) return refusal('malformed', { problem: 'the push has no AppId' });
    // The ciphertext already ended with our AppId; a differing <AppId> field is a forgery or a mix-up.
    if (appId !== crypto.appId) return refusal('other_component');
    const read = readPush(opened.fields);
    if ('problem' in read) return refusal('malformed', { problem: read.problem });
    if (!isNearNow(read.createTime, nowMs)) return refusal('stale_or_future_time');
    return { push: read, receiptId: opened.receiptId };
  } catch (error) {
    if (error instanceof WechatCryptoError)
      return { reason: error.reason, undecryptable: error instanceof UndecryptablePushError };
    // Not the typed refusal reading a push ends in: a defect. Refused like any other push rather than
    // answered 500, which would tell the sender that this input is different; logged by class only.
    return refusal('unreadable', { error: error instanceof Error ? error.name : typeof error });
  }
}
