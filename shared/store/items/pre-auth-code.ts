import { TABLE_SCHEMA } from '../schema.js';
import type { Item, Key } from '../table.js';
import { itemKeys } from './keys.js';

/**
 * The two code indexes of the onboarding, each keyed by a code's SHA-256 (hex) and naming a session;
 * the codes themselves are never stored. Each is kept as long as its session (`ttl`).
 *
 * - `PREAUTH#<hash of a pre-auth code>`: which session minted the code. The `authorized` push carries
 *   `PreAuthCode`, and this is how it finds the session it completes. A code is minted once per page
 *   opened, so a session can have several.
 * - `AUTHCODE#<hash of an authorization code>`: the claim, the session that first tried to complete with
 *   the code. Written (only where none is) by the redirect BEFORE its exchange, and by the push before
 *   its completion: a reload whose exchange finds the code spent is told from a code this session never
 *   claimed, a code already claimed by another session is refused without calling WeChat, and the push
 *   sees a session completed with the code of another session's authorization.
 */

const PRE_AUTH = itemKeys('PREAUTH#');
const CLAIM = itemKeys('AUTHCODE#');

export const preAuthCodeKey: (preAuthCodeHash: string) => Key = PRE_AUTH.key;
export const authCodeClaimKey: (authCodeHash: string) => Key = CLAIM.key;

export function preAuthCodeItem(preAuthCodeHash: string, sessionId: string, ttlSeconds: number): Item & Key {
  return { ...preAuthCodeKey(preAuthCodeHash), sessionId, [TABLE_SCHEMA.timeToLiveAttribute]: ttlSeconds };
}

export function authCodeClaimItem(authCodeHash: string, sessionId: string, ttlSeconds: number): Item & Key {
  return { ...authCodeClaimKey(authCodeHash), sessionId, [TABLE_SCHEMA.timeToLiveAttribute]: ttlSeconds };
}

/** The session a stored index item names, or `undefined`. */
export function sessionIdOf(item: Item | undefined): string | undefined {
  const sessionId = item?.['sessionId'];
  return typeof sessionId === 'string' ? sessionId : undefined;
}
