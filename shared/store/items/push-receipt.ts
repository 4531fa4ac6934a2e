import { TABLE_SCHEMA } from '../schema.js';
import type { Item, Key, Write } from '../table.js';
import { itemKeys } from './keys.js';

/**
 * The receipt of a push the callback handled, one per push: only its id (a digest of the push's
 * ciphertext, never the ciphertext or what it says) and until when it is remembered. A push whose receipt
 * is live is not acted on again: a replay, or WeChat delivering it once more, changes nothing.
 *
 * Its whole life is a window, so it carries a time to live; but DynamoDB deletes expired items up to
 * days late and dynalite never does, so the end of the window is read from `expiresAt`, on every read
 * and in the write's condition, and nothing correct depends on the deletion.
 */

const KEYS = itemKeys('PUSH#');

export const pushReceiptKey: (receiptId: string) => Key = KEYS.key;

/** Whether a key is a push receipt's. */
export function isPushReceiptKey(pk: string): boolean {
  return KEYS.idOf(pk) !== undefined;
}

/**
 * The receipt written, unless a live one is there (a delivery of the same push handled meanwhile: it
 * stays as it was written, the window is not extended). An expired one is written over.
 */
export function rememberPush(receiptId: string, now: number, until: number): Write {
  return {
    key: pushReceiptKey(receiptId),
    update: {
      set: {
        expiresAt: until,
        // Unix seconds, a minute after the window: DynamoDB's TTL may then drop it.
        [TABLE_SCHEMA.timeToLiveAttribute]: Math.ceil(until / 1000) + 60,
      },
    },
    condition: {
      expression: `attribute_not_exists(#${TABLE_SCHEMA.partitionKey}) OR #expiresAt <= :now`,
      values: { ':now': now },
    },
  };
}

/** Whether a receipt read at `now` still stands (a missing item, or one past its window, does not). */
export function isLiveReceipt(item: Item | undefined, now: number): boolean {
  const expiresAt = item?.['expiresAt'];
  return typeof expiresAt === 'number' && expiresAt > now;
}
