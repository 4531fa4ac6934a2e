import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Sensitive } from '../sensitive.js';
import type { OnboardingStore } from '../store/onboarding-store.js';
import type { PreAuthCode } from '../wechat/index.js';
import type { AllowedPrefix } from './allow-list.js';
import type { AuthorizeLinkBases } from './link.js';

/**
 * What an exchange of the redirect's authorization code came to (shared/tokens/authorization.ts's
 * outcomes, which the onboarding reads): the account stored (or found stored by a newer authorization),
 * the code already spent (the push exchanged it first, or it expired), or an answer for another account.
 */
export type RedirectExchangeOutcome =
  | { readonly kind: 'stored' | 'stale'; readonly appId: string }
  | { readonly kind: 'code_spent'; readonly errcode: number }
  | { readonly kind: 'wrong_account' };

/** What the onboarding use cases need: the stores and WeChat calls as functions, the settings as values. */
export interface OnboardingDeps {
  readonly componentAppId: string;
  /** The hub's public base URL; without one the hub serves no session (only bare links need none). */
  readonly baseUrl: string | undefined;
  readonly allowList: readonly AllowedPrefix[];
  readonly sessionMs: number;
  readonly bases: AuthorizeLinkBases;
  readonly store: OnboardingStore;
  /** api_create_preauthcode with the component token. */
  readonly createPreAuthCode: () => Promise<PreAuthCode>;
  /**
   * The redirect's code exchanged and stored, as the push's is (exchangeAuthorization without an appid);
   * `signal` ends its WeChat calls (the exchange and the information fetch after it).
   */
  readonly exchange: (
    code: { authorizationCode: Sensitive; createTime: number },
    signal: AbortSignal,
  ) => Promise<RedirectExchangeOutcome>;
  /** A signal aborted `ms` from now (real time; tests pass their own). */
  readonly budget: (ms: number) => AbortSignal;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Waits between the re-reads of a session the push is completing (real time; tests pass their own). */
  readonly sleep: (ms: number) => Promise<void>;
  readonly newSessionId: () => string;
}
