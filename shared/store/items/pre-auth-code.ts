import { TABLE_SCHEMA } from '../schema.js';
import type { Item, Key } from '../table.js';
import { itemKeys } from './keys.js';

/**
 * Which session minted a pre-auth code, keyed by the code's SHA-256 (hex): the `authorized` push carries
 * `PreAuthCode`, and this is how it finds the session it completes. The code itself is never stored.
 * It is kept as long as its session (`ttl`); a code is minted once per page opened, so a session can
 * have several.
 */

const KEYS = itemKeys('PREAUTH#');

export const preAuthCodeKey: (preAuthCodeHash: string) => Key = KEYS.key;

export function preAuthCodeItem(preAuthCodeHash: string, sessionId: string, ttlSeconds: number): Item & Key {
  return { ...preAuthCodeKey(preAuthCodeHash), sessionId, [TABLE_SCHEMA.timeToLiveAttribute]: ttlSeconds };
}

/** The session a stored index item names, or `undefined`. */
export function sessionIdOf(item: Item | undefined): string | undefined {
  const sessionId = item?.['sessionId'];
  return typeof sessionId === 'string' ? sessionId : undefined;
}
