import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { AuthorizerStore } from '../store/index.js';
import type { WechatComponentClient } from '../wechat/index.js';
import type { ComponentTokenProvider } from './component-token.js';

/** What an `AuthorizerRenewer` works with, and its tunables (defaults in trust.ts). */
export interface AuthorizerRenewerOptions {
  readonly store: AuthorizerStore;
  readonly client: WechatComponentClient;
  readonly componentTokens: ComponentTokenProvider;
  readonly clock: Clock;
  /** The scheduled refresh renews this long before expiry. Default 15 minutes. */
  readonly renewalMarginMs?: number;
  /** Longer than a WeChat call with its retries; at most half the trust window. Default 30 s. */
  readonly leaseMs?: number;
  readonly pollMs?: number;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  readonly newOwner?: () => string;
}
