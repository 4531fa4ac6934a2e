import {
  type AccountFields,
  type AccountKind,
  type AuthorizedVia,
  DETAIL_TYPE_ORDER,
  DETAIL_TYPES,
  type DetailBase,
  type DetailType,
  eventIdOf,
  type LifecycleEvent,
  type PreviousStatus,
  type RevokeReason,
} from './catalogue.js';
import { type Change, type Image, numberList, numberOf, text } from './change.js';

/**
 * The pure derivation of lifecycle events from one write of the table: (item before, item after) →
 * the events it means, in DETAIL_TYPE_ORDER. Nothing else decides what is published: the events
 * function and the local stand-in both run this, on the same records. The rules (docs/events.md):
 *
 * - `Authorizer Authorized`: the account becomes active from nothing (a new item, or the pending item an
 *   authorization push created) or from revoked; or its `authTime` grows while it is (or becomes) active.
 * - `Authorizer Permissions Changed`: `funcInfo` changes between two known lists, except where this
 *   write authorizes an account that was not active (its Authorized carries the list), or revokes it.
 * - `Authorizer Revoked`: active or refused → revoked (reason from `statusReason`).
 * - `Authorizer Refresh Token Refused`: active → refresh_token_invalid (not the pending item).
 * - `Authorizer Healed`: refresh_token_invalid (refused, not pending) → active.
 * - `Onboarding Completed`: a session item gains `completedAt`.
 *
 * A pending item (awaiting its exchange) makes none; a write of tokens, leases, doubt, the due index or
 * account information makes none; deletions (REMOVE, TTL) make none.
 */

const AUTHORIZER_PREFIX = 'AUTHORIZER#';
const SESSION_PREFIX = 'ONBOARDING#';

export interface DeriveContext {
  readonly componentAppId: string;
}

export function deriveEvents(change: Change, context: DeriveContext): LifecycleEvent[] {
  if (change.eventName === 'REMOVE' || !change.newImage) return [];
  const events = change.pk.startsWith(AUTHORIZER_PREFIX)
    ? authorizerEvents(change, change.newImage, context)
    : change.pk.startsWith(SESSION_PREFIX)
      ? sessionEvents(change, change.newImage, context)
      : [];
  return events.sort((a, b) => DETAIL_TYPE_ORDER.indexOf(a.detailType) - DETAIL_TYPE_ORDER.indexOf(b.detailType));
}

/** What an authorizer item's status means for events: the pending item is not an account yet. */
type Standing = 'none' | 'active' | 'revoked' | 'refused';

function standingOf(image: Image | undefined): Standing {
  if (!image) return 'none';
  const status = text(image, 'status');
  if (status === 'active') return 'active';
  // A pending item revoked before its exchange (its refresh token never came: revocation keeps the token
  // attribute as it was) was never an account: nothing was announced of it, so nothing was revoked.
  if (status === 'revoked') return text(image, 'refreshToken') === '' ? 'none' : 'revoked';
  if (status !== 'refresh_token_invalid') return 'none';
  const reason = text(image, 'statusReason');
  if (reason === 'awaiting_exchange') return 'none';
  if (reason === 'refresh_token_refused') return 'refused';
  // Written before statusReason: only the pending item stores no refresh token.
  return text(image, 'refreshToken') === '' ? 'none' : 'refused';
}

const PREVIOUS: Readonly<Record<Standing, PreviousStatus>> = {
  none: 'none',
  active: 'active',
  revoked: 'revoked',
  refused: 'refresh_token_invalid',
};

function authorizerEvents(change: Change, after: Image, context: DeriveContext): LifecycleEvent[] {
  const before = change.oldImage;
  const was = standingOf(before);
  const now = standingOf(after);
  const make = eventMaker(change, after, context);
  const account = accountFields(change.pk, after);
  const funcInfo = numberList(after, 'funcInfo');
  const previousFuncInfo = numberList(before, 'funcInfo');
  const authTime = numberOf(after, 'authTime') ?? 0;
  const statusAt = numberOf(after, 'statusChangedAt');
  const events: LifecycleEvent[] = [];

  // Refused → active is a heal; it is also an authorization only if the owner authorized anew.
  const becameActive = now === 'active' && (was === 'none' || was === 'revoked');
  const reauthorized =
    now === 'active' && (was === 'active' || was === 'refused') && authTime > (numberOf(before, 'authTime') ?? 0);
  if (becameActive || reauthorized) {
    const detail = {
      ...make(DETAIL_TYPES.authorized, reauthorized ? numberOf(after, 'authTimeChangedAt') : statusAt),
      ...account,
      authTime,
      previousStatus: PREVIOUS[was],
      via: viaOf(text(after, 'statusReason')),
      ...(funcInfo ? { funcInfo } : {}),
    };
    events.push({ detailType: DETAIL_TYPES.authorized, detail });
  }
  if (now === 'active' && was === 'refused')
    events.push({
      detailType: DETAIL_TYPES.healed,
      detail: { ...make(DETAIL_TYPES.healed, statusAt), ...account, ...(funcInfo ? { funcInfo } : {}) },
    });
  if (now === 'revoked' && (was === 'active' || was === 'refused'))
    events.push({
      detailType: DETAIL_TYPES.revoked,
      detail: { ...make(DETAIL_TYPES.revoked, statusAt), ...account, reason: revokeReasonOf(after) },
    });
  if (now === 'refused' && was === 'active')
    events.push({
      detailType: DETAIL_TYPES.refreshTokenRefused,
      detail: { ...make(DETAIL_TYPES.refreshTokenRefused, statusAt), ...account },
    });
  const listed = becameActive ? undefined : changedLists(previousFuncInfo, funcInfo);
  if (listed && now !== 'revoked' && now !== 'none')
    events.push({
      detailType: DETAIL_TYPES.permissionsChanged,
      detail: {
        ...make(DETAIL_TYPES.permissionsChanged, numberOf(after, 'infoChangedAt')),
        ...account,
        funcInfo: listed.current,
        previousFuncInfo: listed.previous,
        added: listed.current.filter((set) => !listed.previous.includes(set)),
        removed: listed.previous.filter((set) => !listed.current.includes(set)),
      },
    });
  return events;
}

function sessionEvents(change: Change, after: Image, context: DeriveContext): LifecycleEvent[] {
  const completedAt = numberOf(after, 'completedAt');
  if (completedAt === undefined || numberOf(change.oldImage, 'completedAt') !== undefined) return [];
  const sessionId = text(after, 'sessionId') ?? change.pk.slice(SESSION_PREFIX.length);
  const completedBy = text(after, 'completedBy');
  const sessionKind = text(after, 'kind');
  const state = text(after, 'state');
  const make = eventMaker(change, after, context);
  return [
    {
      detailType: DETAIL_TYPES.onboardingCompleted,
      detail: {
        ...make(DETAIL_TYPES.onboardingCompleted, completedAt),
        sessionId,
        appId: text(after, 'appId') ?? '',
        completedBy: completedBy === 'push' ? 'push' : 'redirect',
        ...(sessionKind === 'pc' || sessionKind === 'h5' ? { sessionKind } : {}),
        ...(state === undefined ? {} : { state }),
      },
    },
  ];
}

/** The detail's common part for one detail-type, timed by the item's own timestamp where it has one. */
function eventMaker(change: Change, after: Image, context: DeriveContext) {
  const revision = numberOf(after, 'revision') ?? null;
  return (detailType: DetailType, at: number | undefined): DetailBase => ({
    componentAppId: context.componentAppId,
    revision,
    eventId: eventIdOf(change.pk, revision, detailType, change.sequenceNumber),
    occurredAt: new Date(at ?? change.approximateAt ?? 0).toISOString(),
  });
}

function accountFields(pk: string, image: Image): AccountFields {
  const kind = text(image, 'kind');
  const nickName = text(image, 'nickName');
  const principalName = text(image, 'principalName');
  return {
    appId: text(image, 'appId') ?? pk.slice(AUTHORIZER_PREFIX.length),
    ...(kind === 'official_account' || kind === 'mini_program' ? { kind: kind as AccountKind } : {}),
    ...(nickName === undefined ? {} : { nickName }),
    ...(principalName === undefined ? {} : { principalName }),
  };
}

function viaOf(reason: string | undefined): AuthorizedVia {
  if (reason === 'authorized') return 'authorization_code';
  if (reason === 'listed') return 'listing';
  return 'unknown';
}

function revokeReasonOf(image: Image): RevokeReason {
  const reason = text(image, 'statusReason');
  return reason === 'unauthorized_push' || reason === 'absent_from_listing' || reason === 'not_authorized'
    ? reason
    : 'unknown';
}

/** Both lists known and different (as sets: both are ascending and unique). */
function changedLists(
  previous: number[] | undefined,
  current: number[] | undefined,
): { previous: number[]; current: number[] } | undefined {
  if (!previous || !current) return undefined;
  if (previous.length === current.length && previous.every((set, index) => set === current[index])) return undefined;
  return { previous, current };
}
