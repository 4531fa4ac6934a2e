import type { SimClock } from './clock.js';
import type { WorldSnapshot } from './snapshot.js';

/** Fixed, obviously fake credentials: the defaults of the simulator, the tests and the local runtime. */
export const SIMULATOR_CREDENTIALS = {
  componentAppId: 'wx5e1a0c0ffee0c0de',
  componentAppSecret: 'simulator-component-secret-0123456789',
  messageToken: 'simulator-message-token',
  encodingAesKey: 'c2ltdWxhdG9yLWVuY29kaW5nLWFlcy1rZXktMDAwMDA',
} as const;

/** What a `WechatSimulator` is started with. Every field is optional: the defaults are WeChat's own figures. */
export interface WechatSimulatorOptions {
  /**
   * The component's AppId: calls naming another are answered 40013, pushes end with it.
   * @default SIMULATOR_CREDENTIALS.componentAppId
   */
  readonly componentAppId?: string;
  /**
   * The AppSecret api_component_token and api_start_push_ticket must be called with (else 40125).
   * @default SIMULATOR_CREDENTIALS.componentAppSecret
   */
  readonly componentAppSecret?: string;
  /**
   * The message token pushes are signed with.
   * @default SIMULATOR_CREDENTIALS.messageToken
   */
  readonly messageToken?: string;
  /**
   * The EncodingAESKey pushes are encrypted with (43 base64 characters).
   * @default SIMULATOR_CREDENTIALS.encodingAesKey
   */
  readonly encodingAesKey?: string;
  /**
   * How many authorized accounts to seed. Ignored with `restore`.
   * @default 0
   */
  readonly authorizers?: number;
  /**
   * Seed of every random choice (appids, tokens, fault rolls). With `restore`, only the fault rolls'.
   * @default 1
   */
  readonly seed?: number;
  /**
   * The simulator's time: tokens, tickets and codes expire on it. A clock given with `restore` must not be
   * behind the snapshot's time.
   * @default a frozen clock at the current time, moved only by the test; with `restore`, a frozen clock
   * at the snapshot's time
   */
  readonly clock?: SimClock;
  /**
   * A world to go on from (`WechatSimulator.snapshot()`, checked by `parseWorldSnapshot`) instead of a
   * newly seeded one. Faults and counters start afresh: they belong to a run, not to WeChat.
   * @default undefined (a newly seeded world)
   */
  readonly restore?: WorldSnapshot | undefined;
  /**
   * Lifetime of component and authorizer access tokens, in seconds.
   * @default 7_200 (WeChat's)
   */
  readonly accessTokenTtlSeconds?: number;
  /**
   * How long a superseded access or refresh token keeps working, in milliseconds.
   * @default 300_000 (five minutes, as WeChat staff describe it)
   */
  readonly graceMs?: number;
  /**
   * How long a pushed component_verify_ticket stays usable, in milliseconds.
   * @default 43_200_000 (twelve hours, WeChat's)
   */
  readonly ticketLifetimeMs?: number;
  /**
   * Whether api_authorizer_token hands back a new refresh token (WeChat sometimes does). Can be changed
   * while running, through `world.config`.
   * @default false
   */
  readonly rotateRefreshTokenOnRenewal?: boolean;
  /**
   * Where pushes go (the authorization-event URL). Can also be given per push, or set later.
   * @default undefined (pushes need a URL of their own)
   */
  readonly callbackUrl?: string | undefined;
  /**
   * The platform's registered authorization domain (授权发起页域名), a hostname such as `hub.example.com`.
   * When set, the authorization pages refuse unless the Referer's hostname and redirect_uri's hostname
   * both equal it, as WeChat does. Can be changed while running (`simulator.authorizationDomain`).
   * @default undefined (not enforced; every page may open the link, every redirect_uri is taken)
   */
  readonly authorizationDomain?: string | undefined;
  /**
   * The address the simulated API listens on.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * The port it listens on; 0 lets the system pick a free one (read it from `url`).
   * @default 0
   */
  readonly port?: number;
}
