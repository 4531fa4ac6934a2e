import * as z from 'zod/mini';
import { type Sensitive, sensitive } from '../../sensitive.js';
import { dueShardOf, RECOVERY_SHARD, TABLE_SCHEMA } from '../schema.js';
import type { Condition, Item, Key } from '../table.js';
import {
  type Doubt,
  decodeTokenState,
  encodeTokenChange,
  ISSUED_TOKEN_FIELDS,
  type TokenState,
} from '../token-state.js';
import { itemKeys } from './keys.js';
import { projection } from './projection.js';

/**
 * The authorizer item, one per account: its key, its attributes and the values read from them. The one
 * place its shape is written; its named writes are in authorizer-transitions.ts.
 */

/** What an account can be: the one list of them. */
export const AUTHORIZER_STATUSES = ['active', 'revoked', 'refresh_token_invalid'] as const;
export type AuthorizerStatus = (typeof AUTHORIZER_STATUSES)[number];

const KEYS = itemKeys('AUTHORIZER#');

export const authorizerKey: (appId: string) => Key = KEYS.key;

/** The appid an authorizer item's key names; `undefined` for the key of another item type. */
export const appIdOfAuthorizerKey: (pk: string) => string | undefined = KEYS.idOf;

/** The Scan filter that keeps the authorizer items and no other. */
export const AUTHORIZER_ITEMS: Condition = KEYS.filter;

/** Every attribute of the item (but its key, and the lease and doubt that the token state reads leniently). */
const itemSchema = z.object({
  appId: z.string(),
  status: z.enum(AUTHORIZER_STATUSES),
  refreshToken: z.string(),
  /** Unix seconds of the latest authorization, as WeChat reports it. */
  authTime: z.number(),
  ...ISSUED_TOKEN_FIELDS,
  refreshAt: z.optional(z.number()),
  version: z.number(),
  refreshTokenChangedAt: z.number(),
  statusChangedAt: z.number(),
  authTimeChangedAt: z.number(),
  accessTokenChangedAt: z.optional(z.number()),
  /** The start of the complete listing that first lacked it (absent from every one since). */
  absentSince: z.optional(z.number()),
  /** Its partition in the due index (its own renewal shard, or RECOVERY_SHARD); none: out of the index. */
  dueShard: z.optional(z.string()),
});

/** The name of an attribute of the item, checked against its schema where another module names one. */
export type AuthorizerAttribute = keyof z.output<typeof itemSchema>;

/** What every read of an account sees of it. */
interface AuthorizerAccount {
  readonly appId: string;
  readonly status: AuthorizerStatus;
  readonly refreshToken: Sensitive;
  /** Unix seconds of the latest authorization, as WeChat reports it. */
  readonly authTime: number;
}

export interface AuthorizerRecord extends TokenState, AuthorizerAccount {
  readonly changedAt: {
    readonly refreshToken: number;
    readonly status: number;
    readonly authTime: number;
    readonly accessToken?: number | undefined;
  };
}

/** What the sync needs to know of a stored authorizer to decide whether a listing changes it. */
export interface AuthorizerSnapshot extends AuthorizerAccount {
  readonly version: number;
  readonly refreshTokenChangedAt: number;
  /** A refused account whose refresh token was stored after this was not refused (see `decide`). */
  readonly statusChangedAt: number;
  /** The start of the complete listing that first lacked it (absent from every one since). */
  readonly absentSince?: number | undefined;
  /** The due index's key, to find an active account the index lost (see `needsReindex`). */
  readonly refreshAt?: number | undefined;
  readonly dueShard?: string | undefined;
}

/** One account as the getter's listing shows it: never a token. */
export interface AuthorizerSummary {
  readonly appId: string;
  readonly status: AuthorizerStatus;
  readonly authTime: number;
  readonly accessTokenExpiresAt?: number | undefined;
}

/** One entry of api_get_authorizer_list, with when the page that carried it was requested. */
export interface ListedEntry {
  readonly appId: string;
  readonly refreshToken: Sensitive;
  readonly authTime: number;
  /** Epoch ms at which the page's request was sent: nothing stored after it may be overwritten by it. */
  readonly fetchedAt: number;
}

/**
 * The item as the renewal reads it: all but what only the sync uses (its absence, its index key), which
 * the getter and the renewer neither read nor check.
 */
export const AUTHORIZER_RECORD = projection(
  z.omit(itemSchema, { absentSince: true, dueShard: true }),
  'authorizer',
  (data, item): AuthorizerRecord => ({
    ...decodeTokenState(item),
    appId: data.appId,
    status: data.status,
    refreshToken: sensitive(data.refreshToken),
    authTime: data.authTime,
    changedAt: {
      refreshToken: data.refreshTokenChangedAt,
      status: data.statusChangedAt,
      authTime: data.authTimeChangedAt,
      accessToken: data.accessTokenChangedAt,
    },
  }),
);

/** Only what the sync compares: the unchanged sync of 100,000 accounts is bound by the Scan that reads it. */
export const AUTHORIZER_SNAPSHOT = projection(
  z.pick(itemSchema, {
    appId: true,
    status: true,
    refreshToken: true,
    authTime: true,
    version: true,
    refreshTokenChangedAt: true,
    statusChangedAt: true,
    absentSince: true,
    refreshAt: true,
    dueShard: true,
  }),
  'authorizer',
  ({ refreshToken, ...rest }): AuthorizerSnapshot => ({ ...rest, refreshToken: sensitive(refreshToken) }),
);

/** Only what the getter's listing shows. */
export const AUTHORIZER_SUMMARY = projection(
  z.pick(itemSchema, { appId: true, status: true, authTime: true, accessTokenExpiresAt: true }),
  'authorizer',
  (data): AuthorizerSummary => data,
);

/**
 * Every attribute the listing's Scan names: what it shows, and the partition key its filter reads. The
 * one list: the getter's role may Scan these and no other (infra/function-access.ts), so that its Scan
 * cannot read a refresh token or an access token.
 */
export const AUTHORIZER_LISTING_ATTRIBUTES: readonly string[] = [
  TABLE_SCHEMA.partitionKey,
  ...AUTHORIZER_SUMMARY.attributes,
];

/** A new account, whichever way it became known: active and due at once (`refreshAt` 0) in its own shard. */
export function newAuthorizerItem(account: {
  appId: string;
  refreshToken: Sensitive;
  authTime: number;
  now: number;
}): Item & Key {
  return newItem(account, 'active', account.refreshToken.reveal(), { refreshAt: 0 }, dueShardOf(account.appId));
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
  return newItem(account, 'refresh_token_invalid', '', { ...doubt, refreshAt: account.now }, RECOVERY_SHARD);
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
    refreshTokenChangedAt: now,
    statusChangedAt: now,
    authTimeChangedAt: now,
  };
}
