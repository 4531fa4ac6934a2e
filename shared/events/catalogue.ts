/**
 * The catalogue of the hub's lifecycle events: the EventBridge `source`, every `detail-type` and the
 * shape of its `detail`. docs/events.md describes the same fields for consumers; this file is what the
 * derivation (derive.ts) builds and the publisher (publisher.ts) sends, so the two cannot drift apart
 * without a type error here.
 */

/** The `source` of every event the hub publishes. */
export const EVENT_SOURCE = 'wechat-authorizer-tokens';

export const DETAIL_TYPES = {
  authorized: 'Authorizer Authorized',
  permissionsChanged: 'Authorizer Permissions Changed',
  revoked: 'Authorizer Revoked',
  refreshTokenRefused: 'Authorizer Refresh Token Refused',
  healed: 'Authorizer Healed',
  onboardingCompleted: 'Onboarding Completed',
} as const;

export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

/**
 * The order of the events one write produces (one stream record can produce several, e.g. a refused
 * account healed by a fresh authorization). Fixed, so that a record re-derived on a retry yields the
 * same events in the same order.
 */
export const DETAIL_TYPE_ORDER: readonly DetailType[] = [
  DETAIL_TYPES.revoked,
  DETAIL_TYPES.refreshTokenRefused,
  DETAIL_TYPES.healed,
  DETAIL_TYPES.authorized,
  DETAIL_TYPES.permissionsChanged,
  DETAIL_TYPES.onboardingCompleted,
];

/** Why an account was revoked, from the item's `statusReason` (`unknown` for an item written before it). */
export type RevokeReason = 'unauthorized_push' | 'absent_from_listing' | 'not_authorized' | 'unknown';

/** What the account was before an `Authorizer Authorized`: `none` for an account new to the hub. */
export type PreviousStatus = 'none' | 'active' | 'revoked' | 'refresh_token_invalid';

/** How the hub learnt of the authorization: an exchanged authorization code, or WeChat's listing. */
export type AuthorizedVia = 'authorization_code' | 'listing' | 'unknown';

export type AccountKind = 'official_account' | 'mini_program';

/** What every detail carries. */
export interface DetailBase {
  /** The third-party platform's AppId: one bus can carry several hubs' events. */
  readonly componentAppId: string;
  /**
   * The item's `revision` after the write that caused the event: grows by one at every write of the
   * item, so it orders one account's (or one session's) events; `null` only for an item written before
   * revisions existed.
   */
  readonly revision: number | null;
  /** Stable across re-deliveries: `<pk>#<revision>#<detail-type>`. Deduplicate on it. */
  readonly eventId: string;
  /** ISO 8601: when the change was written (the item's own timestamp of it). */
  readonly occurredAt: string;
}

/** What is known of the account (from the registry's listing fields), each only where known. */
export interface AccountFields {
  readonly appId: string;
  readonly kind?: AccountKind;
  readonly nickName?: string;
  readonly principalName?: string;
}

export interface AuthorizedDetail extends DetailBase, AccountFields {
  /** Unix seconds of the authorization, as WeChat reports it. */
  readonly authTime: number;
  readonly previousStatus: PreviousStatus;
  readonly via: AuthorizedVia;
  /** The granted permission sets (ascending), where known. */
  readonly funcInfo?: readonly number[];
}

export interface PermissionsChangedDetail extends DetailBase, AccountFields {
  readonly funcInfo: readonly number[];
  readonly previousFuncInfo: readonly number[];
  readonly added: readonly number[];
  readonly removed: readonly number[];
}

export interface RevokedDetail extends DetailBase, AccountFields {
  readonly reason: RevokeReason;
}

export type RefreshTokenRefusedDetail = DetailBase & AccountFields;

export interface HealedDetail extends DetailBase, AccountFields {
  readonly funcInfo?: readonly number[];
}

export interface OnboardingCompletedDetail extends DetailBase {
  readonly sessionId: string;
  /** The account that authorized through the session. */
  readonly appId: string;
  readonly completedBy: 'push' | 'redirect';
  /** Which of WeChat's pages the session used. */
  readonly sessionKind?: 'pc' | 'h5';
  /** The caller's own `state` given when it created the session. */
  readonly state?: string;
}

/** One event, its detail-type with the detail it carries. */
export type LifecycleEvent =
  | { readonly detailType: typeof DETAIL_TYPES.authorized; readonly detail: AuthorizedDetail }
  | { readonly detailType: typeof DETAIL_TYPES.permissionsChanged; readonly detail: PermissionsChangedDetail }
  | { readonly detailType: typeof DETAIL_TYPES.revoked; readonly detail: RevokedDetail }
  | { readonly detailType: typeof DETAIL_TYPES.refreshTokenRefused; readonly detail: RefreshTokenRefusedDetail }
  | { readonly detailType: typeof DETAIL_TYPES.healed; readonly detail: HealedDetail }
  | { readonly detailType: typeof DETAIL_TYPES.onboardingCompleted; readonly detail: OnboardingCompletedDetail };

/** The stable id of an event: the item's key, its revision after the write, the detail-type. */
export function eventIdOf(pk: string, revision: number | null, detailType: DetailType, fallback: string): string {
  // Without a revision (an item from before them) the stream record's sequence number is the stable
  // part: a re-delivered record keeps it.
  return `${pk}#${revision ?? `seq-${fallback}`}#${detailType}`;
}
