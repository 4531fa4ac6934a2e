import {
  AUTHORIZER_ITEMS,
  AUTHORIZER_SNAPSHOT,
  type AuthorizerSnapshot,
  authorizerKey,
  type ListedEntry,
  newAuthorizerItem,
} from './items/authorizer.js';
import {
  applyListed,
  clearAbsence,
  type ListedChange,
  markAbsent,
  reindex,
  revokeAbsent,
} from './items/authorizer-transitions.js';
import {
  acquireRun,
  extendRun,
  informationCursorOf,
  lastCompleteListingOf,
  recordCompleteListing,
  recordInformationChecks,
  releaseRun,
  syncRunKey,
} from './items/sync-run.js';
import { RECOVERY_SHARD, TABLE_SCHEMA } from './schema.js';
import type { Table, Write } from './table.js';

export type { AuthorizerSnapshot, ListedEntry } from './items/authorizer.js';

/** The sync's reads and writes: a snapshot of every authorizer, and conditional writes from a listing. */
export class SyncStore {
  constructor(private readonly table: Table) {}

  /**
   * Every stored authorizer, read with a parallel, consistent Scan of only the fields compared. The
   * sync must compare every account with the listing and find the ones the listing lacks, so it reads
   * them all, once per run; in item size this is several times cheaper than a GetItem per account.
   */
  async snapshot(segments = 4): Promise<Map<string, AuthorizerSnapshot>> {
    const found = new Map<string, AuthorizerSnapshot>();
    await Promise.all(
      Array.from({ length: segments }, async (_, index) => {
        const scan = {
          filter: AUTHORIZER_ITEMS,
          projection: AUTHORIZER_SNAPSHOT.attributes,
          consistent: true,
          segment: { index, total: segments },
        };
        for await (const item of this.table.scan(scan)) {
          const snapshot = AUTHORIZER_SNAPSHOT.decode(item);
          found.set(snapshot.appId, snapshot);
        }
      }),
    );
    return found;
  }

  /** One account as the snapshot shows it, read again (consistently) after a write was refused. */
  async read(appId: string): Promise<AuthorizerSnapshot | undefined> {
    const item = await this.table.get(authorizerKey(appId), true, AUTHORIZER_SNAPSHOT.attributes);
    return item ? AUTHORIZER_SNAPSHOT.decode(item) : undefined;
  }

  /** A newly listed account, active and due at once; `false` if one appeared meanwhile (an event). */
  create(entry: ListedEntry, now: number): Promise<boolean> {
    return this.table.putNew(newAuthorizerItem({ ...entry, now }));
  }

  /**
   * Applies a listed entry to a stored account that the listing changes, if the account is still as the
   * caller saw it (`expectedVersion`) and, where the refresh token changes, none was stored after the
   * page was requested. `activate` makes a revoked or refresh_token_invalid account active and due at
   * once. A `reauthorized` account's access token is dropped (revocation killed it); a `healed` one keeps
   * its own, which a new refresh token does not touch, so that it is served until the renewal. A listed
   * account is no longer absent (`absentSince` goes). `false` when a condition failed (re-read and
   * decide again).
   *
   * A heal without a new refresh token (`refreshToken: false`) is for a refused account whose stored
   * token was written after the mark and is the one WeChat lists: it holds only while that is still so.
   */
  applyListed(entry: ListedEntry, change: ListedChange): Promise<boolean> {
    return this.#written(applyListed(entry, change));
  }

  /**
   * Records that a complete listing (begun at `listingStartedAt`) lacks the account, if it is still as
   * the snapshot saw it. Not a change of its tokens or status: the version stays.
   */
  markAbsent(appId: string, expectedVersion: number, listingStartedAt: number): Promise<boolean> {
    return this.#written(markAbsent(appId, expectedVersion, listingStartedAt));
  }

  /** A listed account is not absent: forgets an absence recorded by a listing begun before the page. */
  clearAbsence(entry: ListedEntry): Promise<boolean> {
    return this.#written(clearAbsence(entry));
  }

  /**
   * Marks an account revoked that two complete listings in a row lacked, if it is still as the snapshot
   * saw it: the same version, and the same absence (`absentSince`; none given: whichever).
   */
  revoke(appId: string, expectedVersion: number, now: number, absentSince?: number): Promise<boolean> {
    return this.#written(revokeAbsent(appId, expectedVersion, now, absentSince));
  }

  /**
   * Puts an active account the due index lost back into it, only while it is as the snapshot saw it
   * (see `reindex` in items/authorizer-transitions.ts).
   */
  reindex(stored: AuthorizerSnapshot, now: number): Promise<boolean> {
    return this.#written(reindex(stored, now));
  }

  /**
   * The run lease: one sync at a time per component, whichever way it was started (the schedule, a
   * retry, a manual invoke, the local runtime).
   */
  acquireRun(componentAppId: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    return this.#written(acquireRun(componentAppId, owner, now, leaseMs));
  }

  extendRun(componentAppId: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    return this.#written(extendRun(componentAppId, owner, now, leaseMs));
  }

  /**
   * Whether a refresh token WeChat refused (61023) waits for a recovery: the mark put the account in the
   * due index's recovery partition with `refreshAt` = when it was refused, in the same write, so nothing
   * can be lost between a mark and a request. Owed while that partition holds a mark newer than the start
   * of the last complete listing (which has seen every mark before it, and healed what it could). One
   * GetItem and one Query of at most one key. The index is eventually consistent: a mark made a moment
   * ago may be seen by the next run instead.
   */
  async recoveryOwed(componentAppId: string): Promise<boolean> {
    const listed = lastCompleteListingOf(await this.table.get(syncRunKey(componentAppId), true));
    return this.table.anyInIndex(TABLE_SCHEMA.dueIndex, RECOVERY_SHARD, listed);
  }

  /** A run that listed every account records when its listing began (while it still holds the run). */
  async recordCompleteListing(componentAppId: string, owner: string, listingStartedAt: number): Promise<void> {
    await this.table.apply(recordCompleteListing(componentAppId, owner, listingStartedAt));
  }

  /** Up to which check instant the information refresh has checked (see shared/sync/info-refresh.ts). */
  async informationCursor(componentAppId: string): Promise<number | undefined> {
    return informationCursorOf(await this.table.get(syncRunKey(componentAppId), true));
  }

  /** The information refresh's cursor moved on, while the run still holds the lease (only forward, unless later than `now`). */
  async recordInformationChecks(componentAppId: string, owner: string, upTo: number, now: number): Promise<void> {
    await this.table.apply(recordInformationChecks(componentAppId, owner, upTo, now));
  }

  async releaseRun(componentAppId: string, owner: string): Promise<void> {
    await this.table.apply(releaseRun(componentAppId, owner));
  }

  async #written(write: Write): Promise<boolean> {
    return (await this.table.apply(write)) !== undefined;
  }
}
