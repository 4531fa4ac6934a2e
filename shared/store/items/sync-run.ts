import { LEASE_ATTRIBUTES, LEASE_FREE, leaseAttributes, leaseHeldBy } from '../lease.js';
import { TABLE_SCHEMA } from '../schema.js';
import { allOf, type Item, type Key, type Write } from '../table.js';
import { itemKeys } from './keys.js';

/**
 * The sync run item, one per component: the run lease (one sync at a time, whichever way it was started:
 * the schedule, a retry, a manual invoke, the local runtime), when the last complete listing began, and
 * the information refresh's cursor.
 * Its whole life is a lease, so it carries a time to live: DynamoDB drops it a day after the last run.
 */

const KEYS = itemKeys('SYNC#');

export const syncRunKey: (componentAppId: string) => Key = KEYS.key;

/** Whether a key is a sync run item's (the writes that are not an authorizer's or the component's). */
export function isSyncRunKey(pk: string): boolean {
  return KEYS.idOf(pk) !== undefined;
}

/** Unix seconds, a day after the lease ends. */
function timeToLive(leaseExpiresAt: number): Record<string, number> {
  return { [TABLE_SCHEMA.timeToLiveAttribute]: Math.floor(leaseExpiresAt / 1000) + 86_400 };
}

/** The run lease taken, if it is free or its holder is gone. */
export function acquireRun(componentAppId: string, owner: string, now: number, leaseMs: number): Write {
  const expiresAt = now + leaseMs;
  return {
    key: syncRunKey(componentAppId),
    update: { set: { ...leaseAttributes({ owner, acquiredAt: now, expiresAt }), ...timeToLive(expiresAt) } },
    condition: { expression: LEASE_FREE, values: { ':now': now } },
  };
}

/** The run lease kept alive by its owner. */
export function extendRun(componentAppId: string, owner: string, now: number, leaseMs: number): Write {
  const expiresAt = now + leaseMs;
  return {
    key: syncRunKey(componentAppId),
    update: { set: { leaseExpiresAt: expiresAt, ...timeToLive(expiresAt) } },
    condition: leaseHeldBy(owner),
  };
}

export function releaseRun(componentAppId: string, owner: string): Write {
  return { key: syncRunKey(componentAppId), update: { remove: LEASE_ATTRIBUTES }, condition: leaseHeldBy(owner) };
}

/** A run that listed every account records when its listing began (while it still holds the run). */
export function recordCompleteListing(componentAppId: string, owner: string, listingStartedAt: number): Write {
  return {
    key: syncRunKey(componentAppId),
    update: { set: { lastCompleteListingAt: listingStartedAt } },
    condition: leaseHeldBy(owner),
  };
}

/** When the last complete listing began, if one is recorded. */
export function lastCompleteListingOf(item: Item | undefined): number | undefined {
  const listed = item?.['lastCompleteListingAt'];
  return typeof listed === 'number' ? listed : undefined;
}

/**
 * The information refresh's cursor moved on (see shared/sync/info-refresh.ts): every account's check
 * instant up to `upTo` was checked. Only forward, and only while the run holds the lease.
 */
export function recordInformationChecks(componentAppId: string, owner: string, upTo: number, now: number): Write {
  return {
    key: syncRunKey(componentAppId),
    update: { set: { infoCheckedUpTo: upTo } },
    // Only forward, except from a cursor later than now (written by a clock that jumped ahead): the plan
    // treated it as now, and it is brought back so that the checks go on.
    condition: allOf(leaseHeldBy(owner), {
      expression: '(attribute_not_exists(#infoCheckedUpTo) OR #infoCheckedUpTo < :upTo OR #infoCheckedUpTo > :now)',
      values: { ':upTo': upTo, ':now': now },
    }),
  };
}

/** Up to which check instant the information refresh has checked, if it has run. */
export function informationCursorOf(item: Item | undefined): number | undefined {
  const upTo = item?.['infoCheckedUpTo'];
  return typeof upTo === 'number' ? upTo : undefined;
}
