import type { Sensitive } from '../../sensitive.js';
import { dueShardOf, RECOVERY_SHARD } from '../schema.js';
import type { Condition, Item, Key, Update, Write } from '../table.js';
import { type Doubt, encodeTokenChange } from '../token-state.js';
import type { AuthorizerStatus } from './authorizer-schema.js';
import { itemKeys } from './keys.js';

export * from './authorizer-schema.js';
export * from './authorizer-views.js';

/**
 * The authorizer item, one per account: its key, its attributes and the values read from them. The one
 * place its shape is written; its named writes are in authorizer-transitions.ts.
 */

const KEYS = itemKeys('AUTHORIZER#');

export const authorizerKey: (appId: string) => Key = KEYS.key;

/** The appid an authorizer item's key names; `undefined` for the key of another item type. */
export const appIdOfAuthorizerKey: (pk: string) => string | undefined = KEYS.idOf;

/** The Scan filter that keeps the authorizer items and no other. */
export const AUTHORIZER_ITEMS: Condition = KEYS.filter;

/**
 * Every write of an authorizer item goes through here: it moves `revision` on by one in the same
 * write, the order of the account's changes that the lifecycle events carry (`version` keeps its
 * meaning for the renewal and the sync, and not every write moves it).
 */
export function authorizerWrite(appId: string, update: Update, condition: Condition): Write {
  return {
    key: authorizerKey(appId),
    update: { ...update, increment: [...(update.increment ?? []), 'revision'] },
    condition,
  };
}

/** A new account, whichever way it became known: active and due at once (`refreshAt` 0) in its own shard. */
export function newAuthorizerItem(account: {
  appId: string;
  refreshToken: Sensitive;
  authTime: number;
  now: number;
}): Item & Key {
  return newItem(
    account,
    'active',
    account.refreshToken.reveal(),
    { refreshAt: 0, statusReason: 'listed' },
    dueShardOf(account.appId),
  );
}

/**
 * An account an authorization push announced, before its code is exchanged: awaiting its refresh token
 * (`refresh_token_invalid`, in the due index's recovery partition, so that a recovery sync brings it from
 * the list should the exchange's answer be lost), with the exchange's doubt.
 */
export function pendingAuthorizerItem(account: {
  appId: string;
  authTime: number;
  doubt: Doubt;
  now: number;
}): Item & Key {
  const doubt = encodeTokenChange({ doubt: account.doubt }).set;
  return newItem(
    account,
    'refresh_token_invalid',
    '',
    { ...doubt, refreshAt: account.now, statusReason: 'awaiting_exchange' },
    RECOVERY_SHARD,
  );
}

function newItem(
  account: { appId: string; authTime: number; now: number },
  status: AuthorizerStatus,
  refreshToken: string,
  fields: Readonly<Record<string, unknown>>,
  dueShard: string,
): Item & Key {
  const { appId, now } = account;
  return {
    ...authorizerKey(appId),
    appId,
    status,
    refreshToken,
    authTime: account.authTime,
    ...fields,
    dueShard,
    version: 1,
    revision: 1,
    refreshTokenChangedAt: now,
    statusChangedAt: now,
    authTimeChangedAt: now,
  };
}
