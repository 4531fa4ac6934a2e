import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MessageCrypto } from '../shared/push/index.js';
import { sensitive } from '../shared/sensitive.js';
import {
  type ConfirmAuthorizationInput,
  type ConfirmedAuthorization,
  changePermissions,
  confirmAuthorization,
  type FlowContext,
} from './authorization-flow.js';
import { SimClock } from './clock.js';
import { CallCounters } from './counters.js';
import { Faults } from './faults.js';
import { SIMULATOR_CREDENTIALS, type WechatSimulatorOptions } from './options.js';
import { type AuthorizationEvent, deliverPush, type PushResult } from './push.js';
import { SeededRandom } from './random.js';
import { createSimulatorServer } from './server.js';
import type { WorldSnapshot } from './snapshot.js';
import { WechatWorld } from './world.js';
import { WECHAT_TIMINGS } from './world-config.js';

export type { AuthorizerKind } from './account-info.js';
export {
  type AuthorizationRefusal,
  AuthorizationRefusedError,
  type ConfirmAuthorizationInput,
  type ConfirmedAuthorization,
} from './authorization-flow.js';
export { CONFIRM_PATH, H5_PAGE_PATHS, PC_PAGE_PATH } from './authorization-page.js';
export { SimClock } from './clock.js';
export type { ComponentEndpoint, Endpoint } from './endpoints.js';
export { SimulatorError, WorldSnapshotError, type WorldSnapshotProblem } from './errors.js';
export type { FaultSettings } from './faults.js';
export { SIMULATOR_CREDENTIALS, type WechatSimulatorOptions } from './options.js';
export type { AuthorizationEvent, PushResult } from './push.js';
export { parseWorldSnapshot, WORLD_SNAPSHOT_VERSION, type WorldSnapshot } from './snapshot.js';

/**
 * The WeChat Open Platform, simulated on loopback: the component APIs over HTTP, a controllable clock,
 * a seeded population of authorizers, encrypted pushes to a callback URL, fault injection and counters.
 * Each API answers as the reference pages and protocol notes say WeChat does, error codes included.
 *
 * @example
 * ```ts
 * import { WechatSimulator } from 'wechat-authorizer-tokens/simulator';
 *
 * const simulator = await WechatSimulator.start({
 *   authorizers: 1_200,
 *   callbackUrl: 'http://127.0.0.1:3000/callback',
 * });
 * // Point the product's WeChat client at simulator.url, then:
 * await simulator.pushTicket(); // a component_verify_ticket, encrypted and POSTed to the callback URL
 * simulator.faults.failNext('api_authorizer_token', -1, 2); // the next two renewals: WeChat busy
 * simulator.clock.advance(7_200_000); // two hours on: every access token has expired
 * const renewals = simulator.counters.calls('api_authorizer_token');
 * await simulator.close();
 * ```
 */
export class WechatSimulator {
  readonly url: string;
  readonly world: WechatWorld;
  readonly clock: SimClock;
  readonly faults: Faults;
  readonly counters: CallCounters;
  readonly crypto: MessageCrypto;
  callbackUrl: string | undefined;
  /** The registered authorization domain the pages enforce (see `WechatSimulatorOptions`). */
  authorizationDomain: string | undefined;
  readonly #server: Server;

  private constructor(parts: {
    url: string;
    server: Server;
    world: WechatWorld;
    clock: SimClock;
    faults: Faults;
    counters: CallCounters;
    crypto: MessageCrypto;
    callbackUrl: string | undefined;
    authorizationDomain: string | undefined;
  }) {
    this.url = parts.url;
    this.#server = parts.server;
    this.world = parts.world;
    this.clock = parts.clock;
    this.faults = parts.faults;
    this.counters = parts.counters;
    this.crypto = parts.crypto;
    this.callbackUrl = parts.callbackUrl;
    this.authorizationDomain = parts.authorizationDomain;
  }

  /**
   * Starts the simulated API, listening before it resolves.
   * @throws WorldSnapshotError when `restore` is of another component; RangeError when `clock` is behind it.
   */
  static async start(options: WechatSimulatorOptions = {}): Promise<WechatSimulator> {
    const componentAppId = options.componentAppId ?? SIMULATOR_CREDENTIALS.componentAppId;
    const clock =
      options.clock ?? (options.restore ? SimClock.resume(options.restore.savedAt, { frozen: true }) : new SimClock());
    const random = new SeededRandom(options.seed ?? 1);
    const world = new WechatWorld(
      {
        componentAppId,
        componentAppSecret: options.componentAppSecret ?? SIMULATOR_CREDENTIALS.componentAppSecret,
        accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? WECHAT_TIMINGS.accessTokenTtlSeconds,
        graceMs: options.graceMs ?? WECHAT_TIMINGS.graceMs,
        ticketLifetimeMs: options.ticketLifetimeMs ?? WECHAT_TIMINGS.ticketLifetimeMs,
        rotateRefreshTokenOnRenewal: options.rotateRefreshTokenOnRenewal ?? WECHAT_TIMINGS.rotateRefreshTokenOnRenewal,
      },
      clock,
      random,
    );
    if (options.restore) world.restore(options.restore);
    else world.seed(options.authorizers ?? 0);
    const crypto = new MessageCrypto({
      appId: componentAppId,
      token: sensitive(options.messageToken ?? SIMULATOR_CREDENTIALS.messageToken),
      encodingAesKey: sensitive(options.encodingAesKey ?? SIMULATOR_CREDENTIALS.encodingAesKey),
    });
    const faults = new Faults(new SeededRandom((options.seed ?? 1) ^ 0x5eed));
    const counters = new CallCounters();
    let simulator: WechatSimulator | undefined;
    const server = createSimulatorServer({
      world,
      faults,
      counters,
      clock,
      onStartPushTicket: () => {
        // WeChat answers api_start_push_ticket at once and pushes a ticket shortly after.
        if (simulator?.callbackUrl) simulator.pushTicket().catch(() => undefined);
      },
      flow: () => {
        if (!simulator) throw new Error('the simulator is still starting');
        return simulator.#flow();
      },
    });
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, resolve);
    });
    const { port } = server.address() as AddressInfo;
    simulator = new WechatSimulator({
      url: `http://${host}:${port}`,
      server,
      world,
      clock,
      faults,
      counters,
      crypto,
      callbackUrl: options.callbackUrl,
      authorizationDomain: options.authorizationDomain,
    });
    return simulator;
  }

  /** The world's state, to save and restore with `start({ restore })`. */
  snapshot(): WorldSnapshot {
    return this.world.snapshot();
  }

  /** Issues a new component_verify_ticket and pushes it, encrypted, to the callback URL. */
  async pushTicket(callbackUrl?: string): Promise<PushResult & { ticket: string }> {
    const target = this.#target(callbackUrl);
    const ticket = this.world.issueTicket();
    const result = await deliverPush(
      this.crypto,
      target,
      {
        AppId: this.crypto.appId,
        CreateTime: Math.floor(this.clock.now() / 1000),
        InfoType: 'component_verify_ticket',
        ComponentVerifyTicket: ticket,
      },
      this.clock,
    );
    return { ...result, ticket };
  }

  /**
   * An account authorizes (again), updates or revokes its authorization, and WeChat pushes the event.
   * `authorized` with no appid creates a new account.
   */
  async pushAuthorizationEvent(
    event: AuthorizationEvent,
    appId?: string,
    callbackUrl?: string,
  ): Promise<PushResult & { appId: string }> {
    const target = this.#target(callbackUrl);
    const common = { AppId: this.crypto.appId, CreateTime: Math.floor(this.clock.now() / 1000), InfoType: event };
    if (event === 'unauthorized') {
      if (!appId) throw new TypeError('unauthorized needs the appid of the account that revokes');
      this.world.revoke(appId);
      return { ...(await deliverPush(this.crypto, target, { ...common, AuthorizerAppid: appId }, this.clock)), appId };
    }
    const grant = this.world.authorize(appId);
    const result = await deliverPush(
      this.crypto,
      target,
      {
        ...common,
        AuthorizerAppid: grant.appId,
        AuthorizationCode: grant.authorizationCode,
        AuthorizationCodeExpiredTime: Math.floor(grant.codeExpiresAt / 1000),
        PreAuthCode: `preauthcode@@@${grant.appId}`,
      },
      this.clock,
    );
    return { ...result, appId: grant.appId };
  }

  /**
   * The account owner confirms on the authorization page (what POST /__sim/authorization/confirm does):
   * spends the pre-auth code, authorizes the account (new, or existing: `updateauthorized` if it was
   * authorized already), pushes the event with `PreAuthCode` and the same code the redirect carries.
   * @throws AuthorizationRefusedError (an unknown, expired or spent code, a redirect_uri off the domain,
   * an account the page did not offer); nothing changed then.
   */
  confirmAuthorization(input: ConfirmAuthorizationInput): Promise<ConfirmedAuthorization> {
    return confirmAuthorization(this.#flow(), input);
  }

  /**
   * The account changes the permission sets it grants: api_query_auth and api_get_authorizer_info answer
   * them from now, and an `updateauthorized` push with a new authorization code is delivered.
   */
  changePermissions(appId: string, funcInfo: readonly number[]): Promise<PushResult & { authorizationCode: string }> {
    return changePermissions(this.#flow(), appId, funcInfo);
  }

  /** Pushes a ticket now and then every `intervalMs` of real time (WeChat: every 10 minutes). */
  startTicketPushes(intervalMs: number, onResult: (result: PushResult | Error) => void = () => undefined): () => void {
    const push = (): void => {
      this.pushTicket().then(onResult, (error: unknown) =>
        onResult(error instanceof Error ? error : new Error(String(error))),
      );
    };
    push();
    const timer = setInterval(push, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #flow(): FlowContext {
    const { world, clock, crypto, callbackUrl, authorizationDomain } = this;
    return { world, clock, crypto, callbackUrl, authorizationDomain };
  }

  #target(callbackUrl: string | undefined): string {
    const target = callbackUrl ?? this.callbackUrl;
    if (!target) throw new TypeError('no callback URL: pass one or set callbackUrl');
    return target;
  }
}
