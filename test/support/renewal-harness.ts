import type { Clock } from '../../shared/clock.js';
import { type Sensitive, sensitive } from '../../shared/sensitive.js';
import type {
  AuthorizerExtra,
  AuthorizerRecord,
  AuthorizerStore,
  ComponentRecord,
  ComponentStore,
} from '../../shared/store/index.js';
import { AuthorizerRenewer, ComponentTokenProvider } from '../../shared/tokens/index.js';
import type { TokenStore } from '../../shared/tokens/renewal-protocol.js';
import { type AuthorizerAccessToken, type CallOptions, WechatComponentClient } from '../../shared/wechat/index.js';

/** A clock the test sets and moves. */
export interface ManualClock extends Clock {
  set(at: number): void;
  advance(ms: number): void;
}

export function manualClock(start: number): ManualClock {
  let now = start;
  return {
    now: () => now,
    set: (at) => {
      now = at;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/** The renewal protocol's view of one authorizer, as the renewer builds it (writes stamped at `now()`). */
export function authorizerTokens(
  store: AuthorizerStore,
  appId: string,
  now: () => number,
): TokenStore<AuthorizerRecord, Omit<AuthorizerExtra, 'now'>> {
  return {
    read: () => store.get(appId),
    write: (record, change, extra) => store.write(record, change, { ...extra, now: now() }),
  };
}

/** The renewal protocol's view of the component item, as the component token provider builds it. */
export function componentTokens(store: ComponentStore, componentAppId: string): TokenStore<ComponentRecord, never> {
  return { read: () => store.get(componentAppId), write: (record, change) => store.write(record, change) };
}

/** What the scripted api_authorizer_token does: answer, throw a WeChat error, or act on the world first. */
export type AuthorizerTokenScript = (
  input: { authorizerAppId: string; authorizerRefreshToken: Sensitive },
  call?: CallOptions,
) => Promise<AuthorizerAccessToken>;

/**
 * An AuthorizerRenewer whose WeChat is a script (no HTTP): api_authorizer_token runs `script`, and the
 * component token is a constant. Everything else (the lease, the commit, the release, the marks) is the
 * renewer's own, on the real store.
 */
export function scriptedRenewer(options: {
  store: AuthorizerStore;
  component: ComponentStore;
  clock: Clock;
  script: AuthorizerTokenScript;
  leaseMs?: number;
  newOwner?: () => string;
}): AuthorizerRenewer {
  const client = new (class extends WechatComponentClient {
    override getAuthorizerAccessToken(
      _token: Sensitive,
      input: { authorizerAppId: string; authorizerRefreshToken: Sensitive },
      call?: CallOptions,
    ) {
      return options.script(input, call);
    }
  })({
    componentAppId: 'wxcomponentscripted',
    fetch: () => Promise.reject(new Error('the scripted client makes no HTTP call')),
  });
  const componentTokens = new (class extends ComponentTokenProvider {
    override withToken<T>(call: (token: Sensitive) => Promise<T>): Promise<T> {
      return call(sensitive('component-token'));
    }
  })({ store: options.component, client, appSecret: () => Promise.resolve(sensitive('secret')), clock: options.clock });
  return new AuthorizerRenewer({
    store: options.store,
    client,
    componentTokens,
    clock: options.clock,
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
    ...(options.newOwner ? { newOwner: options.newOwner } : {}),
  });
}

/** An answer of api_authorizer_token. */
export function answered(accessToken: string, refreshToken: string, expiresInSeconds = 7_200): AuthorizerAccessToken {
  return {
    authorizerAccessToken: sensitive(accessToken),
    expiresInSeconds,
    authorizerRefreshToken: sensitive(refreshToken),
  };
}
