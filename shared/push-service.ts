import { type EncryptedPush, type PushOutcome, pushHandler } from './push/index.js';
import type { TokenServiceParts } from './service.js';

/**
 * The callback's use case, over the same parts as the `TokenService`: a push WeChat sent to the callback
 * URL, verified, opened and handled (see `pushHandler`). It is a service of its own so that only the
 * callback's bundle carries the push crypto and the XML parser: the getter's cold start does not pay
 * for them.
 */
export class PushService {
  readonly #handle: (push: EncryptedPush) => Promise<PushOutcome>;

  constructor(parts: TokenServiceParts) {
    const { config, clock, logger } = parts;
    this.#handle = pushHandler({
      secret: parts.secret,
      componentAppId: config.componentAppId,
      component: parts.component,
      authorizers: parts.authorizers,
      exchange: {
        client: parts.client,
        componentTokens: parts.componentTokens,
        clock,
        renewalMarginMs: parts.renewer.renewalMarginMs,
      },
      clock,
      logger,
    });
  }

  handlePush(push: EncryptedPush): Promise<PushOutcome> {
    return this.#handle(push);
  }
}
