/** What a simulated WeChat is set up with: the component's credentials, and how WeChat times things. */
export interface WorldConfig {
  readonly componentAppId: string;
  readonly componentAppSecret: string;
  /** Lifetime of component and authorizer access tokens. WeChat: 7,200 s. */
  readonly accessTokenTtlSeconds: number;
  /** How long a superseded access or refresh token keeps working. WeChat staff: about 5 minutes. */
  readonly graceMs: number;
  /** How long a pushed component_verify_ticket stays usable. WeChat: about 12 hours. */
  readonly ticketLifetimeMs: number;
  /** Whether api_authorizer_token hands back a new refresh token (WeChat sometimes does). */
  rotateRefreshTokenOnRenewal: boolean;
}

/** WeChat's own timings: what a simulator started without settings of its own behaves by. */
export const WECHAT_TIMINGS = {
  accessTokenTtlSeconds: 7_200,
  graceMs: 5 * 60_000,
  ticketLifetimeMs: 12 * 3_600_000,
  rotateRefreshTokenOnRenewal: false,
} as const satisfies Omit<WorldConfig, 'componentAppId' | 'componentAppSecret'>;
