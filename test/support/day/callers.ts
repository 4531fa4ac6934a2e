// The simulated day's callers: backends that use the shipped WechatTokenClient, with its cache, as a
// real backend would, and count every WeChat request they made with a token WeChat no longer accepts.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { API_ROUTES } from '../../../infra/local/api-server.js';
import { TokenServiceError, WechatTokenClient } from '../../../shared/caller/token-client.js';
import type { Clock } from '../../../shared/clock.js';
import type { WechatWorld } from '../../../simulator/world.js';
import { httpApiEvent } from '../../fixtures/api-gateway.js';

/** The getter's handler, as the Lambda runtime calls it. */
export type GetterHandler = (
  event: APIGatewayProxyEventV2,
) => Promise<{ statusCode: number; body: string; headers?: Record<string, string | number | boolean> | undefined }>;

/** Static fake credentials: the request is signed as in AWS; nobody checks the signature in-process. */
const FAKE_CREDENTIALS = async () => ({
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
});
const ENDPOINT = 'https://r3pmxmplak.execute-api.ap-east-1.amazonaws.com';

/**
 * A `fetch` that hands the client's request to the getter handler in this process: the API Gateway
 * event is built from the request (route, path, body), the answer turned back into a Response. No
 * socket, so that tens of thousands of caller requests a day cost a handler call each.
 */
export function inProcessFetch(
  getter: GetterHandler,
  onAnswer?: (appId: string, answer: Record<string, unknown>) => void,
): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? 'GET';
    const route = API_ROUTES.find(
      (candidate) =>
        candidate.handler === 'getter' && candidate.method === method && candidate.pattern.test(url.pathname),
    );
    if (!route) return new Response('{"message":"Not Found"}', { status: 404 });
    const appid = route.pattern.exec(url.pathname)?.[1];
    const body = typeof init?.body === 'string' ? init.body : undefined;
    const event = httpApiEvent({
      routeKey: route.routeKey,
      rawPath: url.pathname,
      ...(appid === undefined ? {} : { pathParameters: { appid: decodeURIComponent(appid) } }),
      ...(body === undefined ? {} : { body }),
    });
    const result = await getter(event);
    if (result.statusCode === 200 && appid !== undefined && onAnswer)
      onAnswer(decodeURIComponent(appid), JSON.parse(result.body) as Record<string, unknown>);
    const headers = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]),
    );
    return new Response(result.body, { status: result.statusCode, headers });
  };
}

export interface CallerCounts {
  /** WeChat requests the callers made with a token (each use, and each use again after a report). */
  requests: number;
  /** Of those, made with a token WeChat no longer accepted (not killed by the account's own revocation). */
  deadTokenRequests: number;
  /** Made with a token the account's revocation killed (the owner's act; not counted as dead). */
  revokedTokenRequests: number;
  /** reportInvalid calls (after a refused token, as a backend does after 40001). */
  reports: number;
  /** Requests to the getter (getToken cache misses and reports). */
  getterCalls: number;
  /** Getter answers that were errors (410 for a revoked account, 503 while WeChat fails, …). */
  getterErrors: number;
}

export interface CallersOptions {
  readonly getter: GetterHandler;
  readonly world: WechatWorld;
  /** The caller's clock (the client's `now`): the simulated one. */
  readonly clock: Clock;
  /** Backends, each with its own client and cache. */
  readonly backends: number;
  readonly refreshBeforeMs?: number;
}

/**
 * A few backends, each one `WechatTokenClient` with its own cache. `use` is one WeChat request a backend
 * makes for an account: get the token (from the cache while the getter's guarantee holds), check it with
 * the simulator as WeChat would, and after a refusal report it and use the token handed back.
 *
 * A token the account's revocation killed is not a fault of the product: tokens handed out are
 * remembered per account, and the ones alive when the account revoked are told apart (the simulator's
 * `revoke` is wrapped for it), as are requests for an account revoked at that moment.
 */
export class SimulatedCallers {
  readonly counts: CallerCounts = {
    requests: 0,
    deadTokenRequests: 0,
    revokedTokenRequests: 0,
    reports: 0,
    getterCalls: 0,
    getterErrors: 0,
  };
  readonly #clients: WechatTokenClient[];
  readonly #world: WechatWorld;
  /** Tokens handed to callers since the account's last revocation. */
  readonly #handedOut = new Map<string, Set<string>>();
  readonly #killedByRevocation = new Set<string>();

  constructor(options: CallersOptions) {
    this.#world = options.world;
    const revoke = options.world.revoke.bind(options.world);
    options.world.revoke = (appId) => {
      for (const token of this.#handedOut.get(appId) ?? []) this.#killedByRevocation.add(token);
      this.#handedOut.delete(appId);
      return revoke(appId);
    };
    const onAnswer = (appId: string, answer: Record<string, unknown>) => {
      const token = answer['authorizer_access_token'];
      if (typeof token !== 'string') return;
      let tokens = this.#handedOut.get(appId);
      if (!tokens) {
        tokens = new Set();
        this.#handedOut.set(appId, tokens);
      }
      tokens.add(token);
    };
    const fetch = inProcessFetch(async (event) => {
      this.counts.getterCalls++;
      const answer = await options.getter(event);
      if (answer.statusCode !== 200) this.counts.getterErrors++;
      return answer;
    }, onAnswer);
    this.#clients = Array.from(
      { length: options.backends },
      () =>
        new WechatTokenClient({
          endpoint: ENDPOINT,
          region: 'ap-east-1',
          credentials: FAKE_CREDENTIALS,
          fetch,
          now: () => options.clock.now(),
          ...(options.refreshBeforeMs === undefined ? {} : { refreshBeforeMs: options.refreshBeforeMs }),
        }),
    );
  }

  get backends(): number {
    return this.#clients.length;
  }

  /** One WeChat request by backend `backend` for `appId`, with the report and the retry after a refusal. */
  async use(backend: number, appId: string): Promise<void> {
    const client = this.#clients[backend];
    if (!client) throw new RangeError(`no backend ${backend}`);
    const token = await this.#serviceCall(() => client.getToken(appId));
    if (token === undefined || this.#accepted(appId, token)) return;
    // WeChat answered 40001: report it, and make the request again with the token handed back.
    this.counts.reports++;
    const fresh = await this.#serviceCall(() => client.reportInvalid(appId, token));
    if (fresh !== undefined) this.#accepted(appId, fresh);
  }

  /** A request to WeChat with `token`: counted, and whether WeChat accepted it. */
  #accepted(appId: string, token: string): boolean {
    this.counts.requests++;
    if (this.#world.isAuthorizerTokenValid(appId, token)) return true;
    if (this.#world.refreshTokenOf(appId) === undefined || this.#killedByRevocation.has(token))
      this.counts.revokedTokenRequests++;
    else this.counts.deadTokenRequests++;
    return false;
  }

  /** The token service's answer, or undefined after an error answer (a backend would retry later). */
  async #serviceCall(call: () => Promise<string>): Promise<string | undefined> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof TokenServiceError) return undefined;
      throw error;
    }
  }
}
