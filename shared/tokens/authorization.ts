import type { Clock } from '../clock.js';
import type { Sensitive } from '../sensitive.js';
import type { AuthorizerRecord, AuthorizerStore, IssuedToken } from '../store/index.js';
import { type AuthorizationInfo, WechatApiError, type WechatComponentClient } from '../wechat/index.js';
import type { ComponentTokenProvider } from './component-token.js';
import { doubtChange, type TokenStore, transition } from './renewal-protocol.js';
import { mergeDoubt, STUCK_REQUEST_MS, scheduleFor } from './trust.js';

/**
 * The longest a push's handling may take: the callback function's timeout (the stack sets it from
 * this). An exchange of an authorization code may be sent at any moment of it, even by a function that
 * is then stopped. 29 s, strictly below API Gateway's 30-second integration limit: at 30 s API Gateway
 * could answer WeChat 503 while the function was still writing; below it, the function is stopped
 * first, and the doubt of an exchange (this budget and a stuck request) still covers its whole life.
 */
export const PUSH_HANDLING_TIMEOUT_MS = 29_000;

/** Until when an exchange begun now may still be acted on by WeChat. */
const EXCHANGE_DOUBT_MS = PUSH_HANDLING_TIMEOUT_MS + STUCK_REQUEST_MS;

export interface AuthorizationDeps {
  readonly store: AuthorizerStore;
  readonly client: WechatComponentClient;
  readonly componentTokens: ComponentTokenProvider;
  readonly clock: Clock;
  readonly renewalMarginMs: number;
}

export type AuthorizationOutcome =
  | { readonly kind: 'stored' }
  /** An authorization newer than the push's was stored already: a late, re-delivered push. */
  | { readonly kind: 'stale' }
  /** The code was exchanged already or expired (61009, 61010): a re-delivered push. */
  | { readonly kind: 'code_spent'; readonly errcode: number }
  | { readonly kind: 'wrong_account' };

/** api_query_auth's answers for a code already exchanged or expired. */
const CODE_ALREADY_USED = new Set([61009, 61010]);

/**
 * An `authorized` / `updateauthorized` push: exchanges its code (api_query_auth) and stores the
 * account's tokens at once. The exchange issues an access token, which (in the worst case: WeChat does
 * not say) supersedes the stored one, whether or not its answer ever reaches us or gets stored. So the
 * stored token is put in doubt BEFORE the exchange is sent, on every path: a lost answer, a failed write,
 * a function stopped at its timeout, a late push refused as older. Its due time moves with the doubt, so
 * that it is renewed before it can die.
 */
export async function exchangeAuthorization(
  deps: AuthorizationDeps,
  push: { appId: string; authorizationCode: Sensitive; createTime: number },
): Promise<AuthorizationOutcome> {
  const { store, clock } = deps;
  const tokens: TokenStore<
    AuthorizerRecord,
    { status?: 'active'; refreshToken?: Sensitive; authTime?: number; index?: 'renewal' }
  > = {
    read: () => store.get(push.appId),
    write: (record, change, extra) => store.write(record, change, { ...extra, now: clock.now() }),
  };
  const markedAt = clock.now();
  const doubt = { from: markedAt, until: markedAt + EXCHANGE_DOUBT_MS };
  // An account not stored yet is stored now as one awaiting its refresh token, in the recovery partition:
  // if the exchange's answer is lost, the next refresh run's recovery sync brings it from the list; and a
  // renewal the sync starts meanwhile inherits the doubt of our exchange.
  const created = await store.createPending({ appId: push.appId, authTime: push.createTime, doubt, now: markedAt });
  const existing = created ? undefined : await store.get(push.appId);
  const marked = existing
    ? await transition(tokens, existing, (current) => ({
        result: current,
        ...(current ? { change: doubtChange(current, doubt, deps.renewalMarginMs) } : {}),
      }))
    : undefined;
  const sentAt = clock.now();
  let info: AuthorizationInfo;
  try {
    info = await deps.componentTokens.withToken((token) =>
      deps.client.queryAuth(
        token,
        { authorizationCode: push.authorizationCode },
        { signal: AbortSignal.timeout(Math.max(1, markedAt + PUSH_HANDLING_TIMEOUT_MS - 5_000 - clock.now())) },
      ),
    );
  } catch (error) {
    // WeChat answered with an error: it issued nothing, so the mark is taken back if nothing came after it.
    if (error instanceof WechatApiError && marked?.record && marked.result) {
      const before = marked.result;
      await store.write(
        marked.record,
        { doubt: before.doubt ?? null, ...(before.refreshAt !== undefined ? { refreshAt: before.refreshAt } : {}) },
        { now: clock.now() },
      );
    }
    if (error instanceof WechatApiError && CODE_ALREADY_USED.has(error.errcode))
      return { kind: 'code_spent', errcode: error.errcode };
    throw error;
  }
  if (info.authorizerAppId !== push.appId) return { kind: 'wrong_account' };
  const issued: IssuedToken = {
    token: info.authorizerAccessToken,
    expiresAt: sentAt + info.expiresInSeconds * 1000,
    issuedAt: sentAt,
  };
  const { result } = await transition(tokens, await store.get(push.appId), (current) => {
    if (!current) return { result: 'stale' as const };
    // A later authorization (a newer push handled first) wins; so does a token issued after ours, and a
    // refresh token stored after our exchange was sent (a renewal's rotation, the sync).
    if (current.authTime > push.createTime) return { result: 'stale' as const };
    // Revoked after the exchange was sent (an `unauthorized` push, 61003): the account left, and the token
    // WeChat issued us died with it.
    if (current.status === 'revoked' && current.changedAt.status > sentAt) return { result: 'stale' as const };
    const now = clock.now();
    const keepsStored = current.accessToken !== undefined && current.accessToken.issuedAt > issued.issuedAt;
    const token = keepsStored && current.accessToken ? current.accessToken : issued;
    // Kept, the newer token may still have been superseded by our exchange, which WeChat answered by now.
    const schedule = scheduleFor(
      token,
      keepsStored ? mergeDoubt(current.doubt, { from: sentAt, until: now }) : current.doubt,
      deps.renewalMarginMs,
    );
    const newerRefreshToken = current.changedAt.refreshToken > sentAt;
    return {
      result: 'stored' as const,
      change: {
        ...(keepsStored ? {} : { accessToken: issued }),
        refreshAt: current.lease ? (current.refreshAt ?? now) : schedule.refreshAt,
        doubt: schedule.doubt,
      },
      extra: {
        status: 'active' as const,
        ...(newerRefreshToken ? {} : { refreshToken: info.authorizerRefreshToken }),
        authTime: push.createTime,
        index: 'renewal' as const,
      },
    };
  });
  return { kind: result };
}
