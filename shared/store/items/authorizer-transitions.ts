import type { Sensitive } from '../../sensitive.js';
import { COMMIT_REMOVES, LEASE_ATTRIBUTES } from '../lease.js';
import { dueShardOf, RECOVERY_SHARD } from '../schema.js';
import { allOf, type Condition, type Update, type Write } from '../table.js';
import {
  atVersion,
  encodeTokenChange,
  SERVED_TOKEN_ATTRIBUTES,
  type TokenStateChange,
  tokenDistrust,
} from '../token-state.js';
import { normalizeFuncInfo, sameNumbers } from './account-info.js';
import {
  type AuthorizerRecord,
  type AuthorizerSnapshot,
  type AuthorizerStatus,
  authorizerWrite,
  type ListedEntry,
  type StatusReason,
} from './authorizer.js';

/**
 * The named writes on an authorizer item (see authorizer.ts for its shape): each what it writes and the
 * condition it holds under. Whether to make one is decided elsewhere (the renewal protocol, the sync's
 * `decide`, a push); these only encode it.
 */

/**
 * What an authorizer change writes besides the token state. `index` places the account in the due
 * index: `renewal` in its own shard at `refreshAt` (the default whenever a due time is written),
 * `recovery` in the partition of refused refresh tokens (see RECOVERY_SHARD), `none` out of it.
 */
export interface AuthorizerExtra {
  readonly status?: AuthorizerStatus;
  /** Why: written (with `status`, or for the stored one) whenever given; every status change gives one. */
  readonly statusReason?: StatusReason;
  /** The granted permission sets (an exchange's api_query_auth): written, with infoChangedAt, if they differ. */
  readonly funcInfo?: readonly number[];
  readonly refreshToken?: Sensitive;
  readonly authTime?: number;
  readonly index?: 'renewal' | 'recovery' | 'none';
  readonly now: number;
}

/**
 * The sync's writes hold the version its snapshot read, whatever it is: a stored 0 (an item written by
 * hand) is matched too, and the sync's write then moves it on. The renewal's steps use `atVersion`.
 */
function syncedVersion(version: number): Condition {
  return { expression: '#version = :expectedVersion', values: { ':expectedVersion': version } };
}

/** A change the renewal decided, onto the version of the account it was decided from. */
export function tokenChange(record: AuthorizerRecord, change: TokenStateChange, extra?: AuthorizerExtra): Write {
  const set: Record<string, unknown> = {};
  const remove: string[] = [];
  const now = extra?.now;
  if (change.accessToken && now !== undefined) set['accessTokenChangedAt'] = now;
  if (extra?.status !== undefined && extra.status !== record.status)
    Object.assign(set, { status: extra.status, statusChangedAt: now });
  if (extra?.statusReason !== undefined && extra.statusReason !== record.statusReason)
    set['statusReason'] = extra.statusReason;
  // A status written without its reason has none known: the old one would name another status's cause.
  else if (extra?.statusReason === undefined && set['status'] !== undefined) remove.push('statusReason');
  if (extra?.funcInfo !== undefined) {
    const funcInfo = normalizeFuncInfo(extra.funcInfo);
    if (record.funcInfo === undefined || !sameNumbers(normalizeFuncInfo(record.funcInfo), funcInfo))
      Object.assign(set, { funcInfo, infoChangedAt: now });
  }
  if (extra?.refreshToken && !extra.refreshToken.equals(record.refreshToken)) {
    Object.assign(set, { refreshToken: extra.refreshToken.reveal(), refreshTokenChangedAt: now });
  }
  if (extra?.authTime !== undefined && extra.authTime !== record.authTime)
    Object.assign(set, { authTime: extra.authTime, authTimeChangedAt: now });
  // An account that is not active is never listed for renewal: its due time is not written.
  const active = (extra?.status ?? record.status) === 'active';
  if (!active && extra?.index === undefined && typeof change.refreshAt === 'number') {
    const { refreshAt: _dropped, ...rest } = change;
    change = rest;
  }
  const index = extra?.index ?? (typeof change.refreshAt === 'number' ? 'renewal' : undefined);
  if (index === 'renewal') set['dueShard'] = dueShardOf(record.appId);
  if (index === 'recovery') set['dueShard'] = RECOVERY_SHARD;
  if (index === 'none') remove.push('dueShard', 'refreshAt');
  return authorizerWrite(
    record.appId,
    encodeTokenChange(index === 'none' ? { ...change, refreshAt: null } : change, set, remove),
    atVersion(record.version),
  );
}

/**
 * Revoked by an `unauthorized` push, unless it authorized again after the push was sent (a re-delivered
 * old push must not revoke a newer authorization).
 */
export function revokeByPush(appId: string, pushCreateTime: number, now: number): Write {
  const authorizedBefore = { expression: '#authTime <= :createTime', values: { ':createTime': pushCreateTime } };
  return authorizerWrite(
    appId,
    revocation(now, 'unauthorized_push'),
    allOf(EXISTS, statusIsNot('revoked'), authorizedBefore),
  );
}

/**
 * Revoked after two complete listings in a row lacked it, if it is still as the snapshot saw it: the
 * same version, and the same absence (`absentSince`; none given: whichever).
 */
export function revokeAbsent(appId: string, expectedVersion: number, now: number, absentSince?: number): Write {
  const sameAbsence =
    absentSince === undefined
      ? []
      : [{ expression: '#absentSince = :absentSince', values: { ':absentSince': absentSince } }];
  return authorizerWrite(
    appId,
    revocation(now, 'absent_from_listing'),
    allOf(syncedVersion(expectedVersion), statusIsNot('revoked'), ...sameAbsence),
  );
}

/**
 * A complete listing (begun at `listingStartedAt`) lacks the account, still as the snapshot saw it. Not
 * a change of its tokens or status: the version stays.
 */
export function markAbsent(appId: string, expectedVersion: number, listingStartedAt: number): Write {
  return authorizerWrite(
    appId,
    { set: { absentSince: listingStartedAt } },
    allOf(syncedVersion(expectedVersion), statusIsNot('revoked')),
  );
}

/** A listed account is not absent: forgets an absence recorded by a listing begun before the page. */
export function clearAbsence(entry: ListedEntry): Write {
  return authorizerWrite(
    entry.appId,
    { remove: ['absentSince'] },
    { expression: '#absentSince < :fetchedAt', values: { ':fetchedAt': entry.fetchedAt } },
  );
}

/** How a listed entry changes a stored account (see SyncStore.applyListed). */
export interface ListedChange {
  readonly expectedVersion: number;
  readonly refreshToken: boolean;
  readonly authTime: boolean;
  readonly activate: false | 'healed' | 'reauthorized';
  readonly now: number;
}

/** A listed entry applied to a stored account, still as the caller saw it (see SyncStore.applyListed). */
export function applyListed(entry: ListedEntry, change: ListedChange): Write {
  const { now } = change;
  const set: Record<string, unknown> = {};
  if (change.refreshToken)
    Object.assign(set, { refreshToken: entry.refreshToken.reveal(), refreshTokenChangedAt: now });
  // A later authorization only the listing saw: the account is as the listing says (statusReason `listed`).
  if (change.authTime) Object.assign(set, { authTime: entry.authTime, authTimeChangedAt: now, statusReason: 'listed' });
  if (change.activate)
    Object.assign(set, {
      status: 'active',
      statusReason: 'listed',
      statusChangedAt: now,
      refreshAt: 0,
      dueShard: dueShardOf(entry.appId),
    });
  const fetchedAt = { ':fetchedAt': entry.fetchedAt };
  const olderThanPage = (attribute: string): Condition => ({
    expression: `#${attribute} < :fetchedAt`,
    values: fetchedAt,
  });
  // Nothing the page is older than may be undone by it: a refresh token, an auth time or a status (an
  // `unauthorized` push) stored after the page was requested wins. A heal needs only the account still
  // refused: when WeChat refused the old refresh token does not matter (the refresh run marks it and
  // syncs at once, maybe within the same millisecond), and a revocation since would have changed the status.
  const conditions = [
    syncedVersion(change.expectedVersion),
    ...(change.refreshToken ? [olderThanPage('refreshTokenChangedAt')] : []),
    ...(change.authTime ? [olderThanPage('authTimeChangedAt')] : []),
    ...(change.activate === 'reauthorized' ? [olderThanPage('statusChangedAt')] : []),
    ...(change.activate === 'healed' ? [statusIs('refresh_token_invalid')] : []),
    ...(change.activate === 'healed' && !change.refreshToken
      ? [
          {
            expression: '#refreshToken = :listed AND #refreshTokenChangedAt > #statusChangedAt',
            values: { ':listed': entry.refreshToken.reveal() },
          },
        ]
      : []),
  ];
  return authorizerWrite(
    entry.appId,
    {
      set,
      increment: ['version'],
      // A healed account keeps `renewingSince` with its token: if a renewal died after WeChat
      // answered, the kept token may be superseded, and must stay untrusted until renewed.
      remove: [
        'absentSince',
        ...(change.activate === 'reauthorized'
          ? [...SERVED_TOKEN_ATTRIBUTES, ...COMMIT_REMOVES]
          : change.activate
            ? LEASE_ATTRIBUTES
            : []),
      ],
    },
    allOf(...conditions),
  );
}

/**
 * An active account the due index lost, put back into it: its own shard, and a due time that changes
 * the index key (a write of the same key may leave a lost entry lost) — `now`, or the stored due time if
 * that is still ahead. Only while the account is as the snapshot saw it: the same version and the same
 * index key, so that a renewal's commit or lease in between is never undone.
 */
export function reindex(stored: AuthorizerSnapshot, now: number): Write {
  const refreshAt = stored.refreshAt !== undefined && stored.refreshAt > now ? stored.refreshAt : now;
  const sameIndexKey: Condition[] = [
    stored.refreshAt === undefined
      ? { expression: 'attribute_not_exists(#refreshAt)' }
      : { expression: '#refreshAt = :readRefreshAt', values: { ':readRefreshAt': stored.refreshAt } },
    stored.dueShard === undefined
      ? { expression: 'attribute_not_exists(#dueShard)' }
      : { expression: '#dueShard = :readDueShard', values: { ':readDueShard': stored.dueShard } },
  ];
  return authorizerWrite(
    stored.appId,
    { set: { dueShard: dueShardOf(stored.appId), refreshAt } },
    allOf(syncedVersion(stored.version), statusIs('active'), ...sameIndexKey),
  );
}

/**
 * The stored access token dropped if it is still `token` (the local runtime's check at start); an
 * active account is made due at once, as a new one is (`refreshAt` 0).
 */
export function distrustToken(appId: string, token: string, status: unknown): Write {
  const distrust = tokenDistrust(token);
  if (status !== 'active') return authorizerWrite(appId, distrust.update, distrust.condition);
  return authorizerWrite(
    appId,
    { ...distrust.update, set: { refreshAt: 0, dueShard: dueShardOf(appId) } },
    allOf(distrust.condition, statusIs('active')),
  );
}

/**
 * Revoked, whoever learns of it (the sync, an `unauthorized` push): kept, with its refresh token, but
 * out of the due index and without an access token to hand out. Its absence from listings
 * (`absentSince`) no longer matters: a listing that carries it again reactivates it.
 */
function revocation(now: number, statusReason: StatusReason): Update {
  return {
    set: { status: 'revoked', statusReason, statusChangedAt: now },
    increment: ['version'],
    remove: ['refreshAt', 'dueShard', ...SERVED_TOKEN_ATTRIBUTES, 'absentSince'],
  };
}

const EXISTS: Condition = { expression: 'attribute_exists(#pk)' };

function statusIs(status: AuthorizerStatus): Condition {
  return { expression: `#status = :${status}`, values: { [`:${status}`]: status } };
}

function statusIsNot(status: AuthorizerStatus): Condition {
  return { expression: `#status <> :${status}`, values: { [`:${status}`]: status } };
}
