import { setTimeout as sleep } from 'node:timers/promises';
import { withSignal } from './onboarding/budgeted-client.js';
import {
  type CreatedLink,
  type CreatedSession,
  completeByPush,
  completeByRedirect,
  createLink,
  createSession,
  newSessionId,
  type OnboardingDeps,
  openPage,
  type PushCompletion,
  parseAllowList,
  type RedirectOutcome,
  type SessionRequest,
} from './onboarding/index.js';
import type { Sensitive } from './sensitive.js';
import type { TokenServiceParts } from './service.js';
import { OnboardingStore } from './store/onboarding-store.js';
import { exchangeAuthorization } from './tokens/authorization.js';

/**
 * The onboarding use cases (docs/design/onboarding.md), over the same parts as the `TokenService` and
 * the `PushService`: sessions and bare links for the platform (IAM), the public page that mints a
 * pre-auth code and sends the browser to WeChat, WeChat's redirect back, and the completion by the push.
 * Refusals are `OnboardingRefusedError`s (their `refusal` is the API's error code).
 */
export class OnboardingService {
  readonly #deps: OnboardingDeps;

  constructor(
    parts: TokenServiceParts,
    options: Partial<Pick<OnboardingDeps, 'sleep' | 'newSessionId' | 'budget'>> = {},
  ) {
    const { config, client, componentTokens, clock, logger } = parts;
    const exchangeDeps = {
      store: parts.authorizers,
      client,
      componentTokens,
      clock,
      renewalMarginMs: parts.renewer.renewalMarginMs,
      logger,
    };
    this.#deps = {
      componentAppId: config.componentAppId,
      baseUrl: config.onboardingBaseUrl,
      allowList: parseAllowList(config.onboardingReturnUrls),
      sessionMs: config.onboardingSessionMs,
      bases: { pc: config.wechatPcAuthorizeBase, h5: config.wechatH5AuthorizeBase },
      store: new OnboardingStore(parts.table),
      createPreAuthCode: () => componentTokens.withToken((token) => client.createPreAuthCode(token)),
      exchange: (code, signal) => exchangeAuthorization({ ...exchangeDeps, client: withSignal(client, signal) }, code),
      budget: options.budget ?? ((ms) => AbortSignal.timeout(ms)),
      clock,
      logger,
      sleep: options.sleep ?? ((ms) => sleep(ms)),
      newSessionId: options.newSessionId ?? newSessionId,
    };
  }

  /** `POST /authorizations`: a session, and the hub's page to hand the account owner. */
  createSession(request: SessionRequest): Promise<CreatedSession> {
    return createSession(this.#deps, request);
  }

  /** `POST /authorizations/link`: WeChat's link itself; the push completes its session. */
  createLink(request: SessionRequest): Promise<CreatedLink> {
    return createLink(this.#deps, request);
  }

  /** `GET /authorize?session=`: WeChat's link with a fresh pre-auth code (`Sensitive`: it holds the code). */
  openPage(sessionId: string | undefined): Promise<Sensitive> {
    return openPage(this.#deps, sessionId);
  }

  /** `GET /authorize/callback?session=&auth_code=`: where to send the browser, or that it is being completed. */
  completeByRedirect(sessionId: string | undefined, authCode: Sensitive | undefined): Promise<RedirectOutcome> {
    return completeByRedirect(this.#deps, sessionId, authCode);
  }

  /** The `authorized` push's `PreAuthCode`: the session it started completed (the callback's part). */
  completeByPush(preAuthCode: Sensitive, appId: string, authCodeHash: string): Promise<PushCompletion> {
    return completeByPush(this.#deps, { preAuthCode, appId, authCodeHash });
  }
}
