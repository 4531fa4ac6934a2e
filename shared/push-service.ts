import { completeByPush } from './onboarding/complete.js';
import { type PushOutcome, pushHandler, type ReceivedPush } from './push/index.js';
import type { TokenServiceParts } from './service.js';
import { PushReceipts } from './store/index.js';
import { OnboardingStore } from './store/onboarding-store.js';

/**
 * The callback's use case, over the same parts as the `TokenService`: a push WeChat sent to the callback
 * URL, screened, verified, opened and handled once (see `pushHandler`). It is a service of its own so
 * that only the callback's bundle carries the push crypto and the XML parser: the getter's cold start
 * does not pay for them. The receipts of handled pushes live on the same table; only the callback uses
 * them, so they are made here rather than among the parts every function wires; so is the onboarding
 * store, whose sessions an `authorized` push completes by its `PreAuthCode`.
 */
export class PushService {
  readonly #handle: (push: ReceivedPush) => Promise<PushOutcome>;

  constructor(parts: TokenServiceParts) {
    const { config, clock, logger, metrics } = parts;
    const sessions = { store: new OnboardingStore(parts.table), clock, logger };
    this.#handle = pushHandler({
      secret: parts.secret,
      componentAppId: config.componentAppId,
      component: parts.component,
      authorizers: parts.authorizers,
      receipts: new PushReceipts(parts.table),
      exchange: {
        client: parts.client,
        componentTokens: parts.componentTokens,
        clock,
        renewalMarginMs: parts.renewer.renewalMarginMs,
        logger,
      },
      onboarding: {
        completeByPush: (push) => completeByPush(sessions, push),
      },
      clock,
      logger,
      metrics,
    });
  }

  handlePush(push: ReceivedPush): Promise<PushOutcome> {
    return this.#handle(push);
  }
}
