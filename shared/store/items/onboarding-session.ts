import type { AuthType, OnboardingKind } from '../../onboarding/link.js';
import { StoreCorruptionError } from '../errors.js';
import { TABLE_SCHEMA } from '../schema.js';
import type { Item, Key, Write } from '../table.js';
import { itemKeys } from './keys.js';

/**
 * An onboarding session (docs/design/onboarding.md): what the platform asked for, and once an account
 * authorized through it, which account and how the hub learnt it. Attribute names are the contract the
 * events derivation reads (`Onboarding Completed`): `completedAt` appears exactly once, in the one write
 * that completes the session, and `revision` grows by one at every write.
 *
 * Its life is bounded, so it carries a time to live; but DynamoDB deletes expired items up to days late
 * (dynalite never), so every read and every condition judges `expiresAt` itself.
 */

const KEYS = itemKeys('ONBOARDING#');

export const onboardingSessionKey: (sessionId: string) => Key = KEYS.key;

/** How the hub learnt that the account authorized. */
export type CompletedBy = 'push' | 'redirect';

/**
 * `page`: the hub's own page mints the pre-auth code and WeChat redirects to the hub's callback. `link`:
 * a bare link the platform opens from its own page; WeChat redirects to the platform, so only the push
 * completes it.
 */
export type SessionVia = 'page' | 'link';

export interface OnboardingSession {
  readonly sessionId: string;
  readonly via: SessionVia;
  readonly kind: OnboardingKind;
  readonly authType?: AuthType | undefined;
  readonly bizAppId?: string | undefined;
  /** Where the browser returns (a bare link's: its redirect_uri). */
  readonly returnUrl: string;
  readonly state?: string | undefined;
  readonly createdAt: number;
  /** Epoch ms: the page can be opened until then. */
  readonly expiresAt: number;
  readonly revision: number;
  /** How often the page was opened (each opening minted a pre-auth code); items before the cap have none. */
  readonly openings?: number | undefined;
  readonly completion?: SessionCompletion | undefined;
}

export interface SessionCompletion {
  readonly completedAt: number;
  readonly appId: string;
  readonly completedBy: CompletedBy;
  /** SHA-256 (hex) of the authorization code: a reload with the same code is told from another code. */
  readonly authCodeHash: string;
}

/**
 * How long after `expiresAt` a session can still be completed: a page opened at its last moment mints a
 * pre-auth code WeChat honours for 1,800 s, and the owner may confirm at the end of it; then the redirect
 * and the push, a few minutes at most. Later, a completion is refused as expired.
 */
export const COMPLETION_GRACE_MS = 1_800_000 + 600_000;

/** How long a session is kept after it can no longer be completed: a reload of the redirect still lands. */
const KEPT_AFTER_MS = 86_400_000;

/** Whether a session can still be completed at `now`. */
export function isCompletable(session: Pick<OnboardingSession, 'expiresAt'>, now: number): boolean {
  return session.expiresAt + COMPLETION_GRACE_MS > now;
}

/** The session's time to live (unix s): a day after it can no longer be completed. */
export function sessionTtlSeconds(expiresAt: number): number {
  return Math.ceil((expiresAt + COMPLETION_GRACE_MS + KEPT_AFTER_MS) / 1000);
}

/** The new session's item; written only where no item has its key (ids are random: a clash is a bug). */
export function newSessionItem(session: Omit<OnboardingSession, 'revision' | 'completion'>): Item & Key {
  return {
    ...onboardingSessionKey(session.sessionId),
    sessionId: session.sessionId,
    via: session.via,
    kind: session.kind,
    ...(session.authType === undefined ? {} : { authType: session.authType }),
    ...(session.bizAppId === undefined ? {} : { bizAppId: session.bizAppId }),
    returnUrl: session.returnUrl,
    ...(session.state === undefined ? {} : { state: session.state }),
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
    [TABLE_SCHEMA.timeToLiveAttribute]: sessionTtlSeconds(session.expiresAt),
    revision: 1,
  };
}

/**
 * The one write that completes a session: only a stored session, not completed yet, still completable.
 * A failed condition is read again by the caller (dynalite lacks ReturnValuesOnConditionCheckFailure).
 */
export function completeSession(sessionId: string, completion: SessionCompletion): Write {
  return {
    key: onboardingSessionKey(sessionId),
    update: {
      set: {
        completedAt: completion.completedAt,
        appId: completion.appId,
        completedBy: completion.completedBy,
        authCodeHash: completion.authCodeHash,
      },
      increment: ['revision'],
    },
    condition: {
      expression: `attribute_exists(#${TABLE_SCHEMA.partitionKey}) AND attribute_not_exists(#completedAt) AND #expiresAt > :completableAfter`,
      values: { ':completableAfter': completion.completedAt - COMPLETION_GRACE_MS },
    },
  };
}

/**
 * How often a session's page may be opened: each opening mints a pre-auth code (a WeChat call against
 * the component's quota) and an index item. A reload, a second device, a link preview are a few; more is
 * a loop or an abuse, refused with the generic page.
 */
export const MAX_PAGE_OPENINGS = 10;

/**
 * The write that counts one opening of the page, before its pre-auth code is minted: only a stored
 * session, not completed, whose page is still open at `now`, opened fewer than `MAX_PAGE_OPENINGS` times.
 */
export function countOpening(sessionId: string, now: number): Write {
  return {
    key: onboardingSessionKey(sessionId),
    update: { increment: ['openings', 'revision'] },
    condition: {
      expression: `attribute_exists(#${TABLE_SCHEMA.partitionKey}) AND attribute_not_exists(#completedAt) AND #expiresAt > :now AND (attribute_not_exists(#openings) OR #openings < :maxOpenings)`,
      values: { ':now': now, ':maxOpenings': MAX_PAGE_OPENINGS },
    },
  };
}

/** A stored session, its shape checked; `undefined` for no item. */
export function readSession(item: Item | undefined): OnboardingSession | undefined {
  if (!item) return undefined;
  const bad: string[] = [];
  const text = (name: string): string => {
    const value = item[name];
    if (typeof value !== 'string') bad.push(name);
    return typeof value === 'string' ? value : '';
  };
  const whole = (name: string): number => {
    const value = item[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) bad.push(name);
    return typeof value === 'number' ? value : 0;
  };
  const optionalText = (name: string): string | undefined => (item[name] === undefined ? undefined : text(name));
  const via = text('via');
  const kind = text('kind');
  if (via !== 'page' && via !== 'link') bad.push('via');
  if (kind !== 'pc' && kind !== 'h5') bad.push('kind');
  const authType = item['authType'];
  if (authType !== undefined && authType !== 1 && authType !== 2 && authType !== 3) bad.push('authType');
  const session = {
    sessionId: text('sessionId'),
    via: via as SessionVia,
    kind: kind as OnboardingKind,
    authType: authType as AuthType | undefined,
    bizAppId: optionalText('bizAppId'),
    returnUrl: text('returnUrl'),
    state: optionalText('state'),
    createdAt: whole('createdAt'),
    expiresAt: whole('expiresAt'),
    revision: whole('revision'),
    openings: item['openings'] === undefined ? undefined : whole('openings'),
    completion: item['completedAt'] === undefined ? undefined : readCompletion(text, whole, bad),
  };
  if (bad.length > 0) throw new StoreCorruptionError('onboarding session', bad);
  return session;
}

function readCompletion(
  text: (name: string) => string,
  whole: (name: string) => number,
  bad: string[],
): SessionCompletion {
  const completedBy = text('completedBy');
  if (completedBy !== 'push' && completedBy !== 'redirect') bad.push('completedBy');
  return {
    completedAt: whole('completedAt'),
    appId: text('appId'),
    completedBy: completedBy as CompletedBy,
    authCodeHash: text('authCodeHash'),
  };
}
