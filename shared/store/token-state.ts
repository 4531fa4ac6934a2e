import * as z from 'zod/mini';
import { type Sensitive, sensitive } from '../sensitive.js';
import { LEASE_ATTRIBUTES, type Lease, leaseAttributes, leaseOf } from './lease.js';
import type { Condition, Item, Update } from './table.js';

/**
 * What the store knows about a renewable token (an authorizer's or the component's), as data. Whether
 * it may be handed out, and until when, is decided from this by one policy (shared/tokens/trust.ts);
 * the store only keeps it, and writes a change only onto the version it was computed from.
 */
export interface TokenState {
  readonly accessToken?: IssuedToken | undefined;
  /** When our own next renewal is due (epoch ms). Nothing renews the token before it (see trust.ts). */
  readonly refreshAt?: number | undefined;
  /** The renewal lease, live or left behind by a holder that died. */
  readonly lease?: Lease | undefined;
  /** Requests WeChat may still act on, and so supersede the stored token with (see `Doubt`). */
  readonly doubt?: Doubt | undefined;
  /** Incremented by every write: a change is written only onto the version it was computed from. */
  readonly version: number;
}

export interface IssuedToken {
  readonly token: Sensitive;
  /** WeChat's expiry (epoch ms). */
  readonly expiresAt: number;
  /**
   * No later than WeChat issued it: when the request that brought it was first sent (epoch ms). The
   * token works until at least this plus WeChat's grace, whatever WeChat issues after it.
   */
  readonly issuedAt: number;
}

/**
 * Requests we sent without a settled answer (a timeout, a dropped connection, a holder that died, an
 * authorization code being exchanged): none was sent before `from`, and WeChat may act on them until
 * `until`. A token issued before `until` may be superseded by one of them; a token issued after it not.
 */
export interface Doubt {
  readonly from: number;
  readonly until: number;
}

/** A change to a token state: a field given is written (`null` removes it), a field left out is kept. */
export interface TokenStateChange {
  readonly accessToken?: IssuedToken | null;
  readonly refreshAt?: number | null;
  readonly lease?: Lease | null;
  readonly doubt?: Doubt | null;
}

/** The attribute names of a token state, in the item. */
const ATTRIBUTES = {
  accessToken: 'accessToken',
  expiresAt: 'accessTokenExpiresAt',
  issuedAt: 'accessTokenIssuedAt',
  refreshAt: 'refreshAt',
  doubtFrom: 'doubtFrom',
  doubtUntil: 'doubtUntil',
} as const;

export { ATTRIBUTES as TOKEN_ATTRIBUTES };

/**
 * The issued token's attributes as the schema of an item that holds one checks them; the rest of the
 * state is read leniently (see decodeTokenState).
 */
export const ISSUED_TOKEN_FIELDS = {
  [ATTRIBUTES.accessToken]: z.optional(z.string()),
  [ATTRIBUTES.expiresAt]: z.optional(z.number()),
  [ATTRIBUTES.issuedAt]: z.optional(z.number()),
};

/**
 * The attributes without which no token is handed out (decodeTokenState needs both): what a revocation or
 * a distrust removes. The issue time may stay; alone it means nothing.
 */
export const SERVED_TOKEN_ATTRIBUTES = [ATTRIBUTES.accessToken, ATTRIBUTES.expiresAt] as const;

/** Attributes of earlier versions of the item that no longer mean anything; every change drops them. */
const RETIRED_ATTRIBUTES = ['renewingSince'] as const;

/** The SET / REMOVE of a change, plus the version bump every write makes. */
export function encodeTokenChange(
  change: TokenStateChange,
  extraSet: Readonly<Record<string, unknown>> = {},
  extraRemove: readonly string[] = [],
): Update {
  const set: Record<string, unknown> = { ...extraSet };
  const remove = new Set<string>([...extraRemove, ...RETIRED_ATTRIBUTES]);
  if (change.accessToken === null)
    for (const name of [ATTRIBUTES.accessToken, ATTRIBUTES.expiresAt, ATTRIBUTES.issuedAt]) remove.add(name);
  else if (change.accessToken) {
    set[ATTRIBUTES.accessToken] = change.accessToken.token.reveal();
    set[ATTRIBUTES.expiresAt] = change.accessToken.expiresAt;
    set[ATTRIBUTES.issuedAt] = change.accessToken.issuedAt;
  }
  if (change.refreshAt === null) remove.add(ATTRIBUTES.refreshAt);
  else if (change.refreshAt !== undefined) set[ATTRIBUTES.refreshAt] = change.refreshAt;
  if (change.lease === null) for (const name of LEASE_ATTRIBUTES) remove.add(name);
  else if (change.lease) Object.assign(set, leaseAttributes(change.lease));
  if (change.doubt === null) for (const name of [ATTRIBUTES.doubtFrom, ATTRIBUTES.doubtUntil]) remove.add(name);
  else if (change.doubt)
    Object.assign(set, { [ATTRIBUTES.doubtFrom]: change.doubt.from, [ATTRIBUTES.doubtUntil]: change.doubt.until });
  for (const name of Object.keys(set)) remove.delete(name);
  return { set, remove: [...remove], increment: ['version'] };
}

/** The condition every change is written under: the item is still the version it was computed from. */
export function atVersion(version: number): Condition {
  return version === 0
    ? { expression: 'attribute_exists(#pk) AND attribute_not_exists(#version)', values: {} }
    : { expression: '#version = :expectedVersion', values: { ':expectedVersion': version } };
}

/**
 * Drops the stored access token if it is still `token`, whatever else changed: the local runtime's
 * check at start, not a step of the renewal protocol.
 */
export function tokenDistrust(token: string): { update: Update; condition: Condition } {
  return {
    update: { remove: SERVED_TOKEN_ATTRIBUTES, increment: ['version'] },
    condition: { expression: `#${ATTRIBUTES.accessToken} = :token`, values: { ':token': token } },
  };
}

/** Reads the token state out of an item (fields already checked by the item's schema where it has one). */
export function decodeTokenState(item: Item): TokenState {
  const number = (name: string): number | undefined => (typeof item[name] === 'number' ? item[name] : undefined);
  const token = item[ATTRIBUTES.accessToken];
  const expiresAt = number(ATTRIBUTES.expiresAt);
  const doubtFrom = number(ATTRIBUTES.doubtFrom);
  const doubtUntil = number(ATTRIBUTES.doubtUntil);
  return {
    accessToken:
      typeof token === 'string' && expiresAt !== undefined
        ? // An item written before tokens carried their issue time: the earliest WeChat could have issued it.
          {
            token: sensitive(token),
            expiresAt,
            issuedAt: number(ATTRIBUTES.issuedAt) ?? expiresAt - MAX_TOKEN_LIFETIME_MS,
          }
        : undefined,
    refreshAt: number(ATTRIBUTES.refreshAt),
    lease: leaseOf(item),
    doubt: doubtFrom !== undefined && doubtUntil !== undefined ? { from: doubtFrom, until: doubtUntil } : undefined,
    version: number('version') ?? 0,
  };
}

/** WeChat's access tokens live 7,200 s. */
const MAX_TOKEN_LIFETIME_MS = 7_200_000;
