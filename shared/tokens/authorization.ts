import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Sensitive } from '../sensitive.js';
import type { AuthorizerExtra, AuthorizerRecord, AuthorizerStore, Doubt, IssuedToken } from '../store/index.js';
import { type AuthorizationInfo, WechatApiError, type WechatComponentClient } from '../wechat/index.js';
import { fetchAfterExchange } from './account-info.js';
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
  /** Where a failed fetch of the account's information is told (none: not told; the sync fetches it). */
  readonly logger?: Logger;
}

/** What an exchange is given: the push knows the account, the browser's redirect learns it from the exchange. */
export interface AuthorizationGrant {
  readonly appId?: string | undefined;
  readonly authorizationCode: Sensitive;
  /** Unix seconds: the push's CreateTime, or when the redirect arrived. */
  readonly createTime: number;
}

export type AuthorizationOutcome =
  | { readonly kind: 'stored'; readonly appId: string }
  /** An authorization newer than this one was stored already: a late, re-delivered push. */
  | { readonly kind: 'stale'; readonly appId: string }
  /** The code was exchanged already or expired (61009, 61010): a re-delivered push. */
  | { readonly kind: 'code_spent'; readonly errcode: number }
  | { readonly kind: 'wrong_account' };

/** api_query_auth's answers for a code already exchanged or expired. */
const CODE_ALREADY_USED = new Set([61009, 61010]);

/**
 * An authorization code exchanged (api_query_auth), from an `authorized` / `updateauthorized` push or
 * from the browser's redirect back to the hub, and the account's tokens stored at once, with its
 * permission sets and statusReason `authorized`; then its information (api_get_authorizer_info).
 *
 * The exchange issues an access token, which (in the worst case: WeChat does not say) supersedes the
 * stored one, whether or not its answer ever reaches us or gets stored. So when the account is known
 * (the push names it), the stored token is put in doubt BEFORE the exchange is sent, on every path: a
 * lost answer, a failed write, a function stopped at its timeout, a late push refused as older. Its due
 * time moves with the doubt, so that it is renewed before it can die.
 *
 * The redirect does not know the account before the exchange answers: no doubt can be marked before it.
 * For an account stored already, the doubt is marked right after the answer instead (see
 * `markAfterExchange`); what stays uncovered is a function stopped, or a write failed, between WeChat's
 * answer and that mark, or an answer lost altogether. The push of the same authorization, which WeChat
 * sends too and which names the account, marks its doubt before its own exchange (refused as spent), and
 * the renewal's doubt of a refused token covers the rest.
 */
export async function exchangeAuthorization(
  deps: AuthorizationDeps,
  grant: AuthorizationGrant,
): Promise<AuthorizationOutcome> {
  const { store, clock } = deps;
  const markedAt = clock.now();
  const known = grant.appId;
  const marked = known === undefined ? undefined : await markBeforeExchange(deps, known, grant.createTime, markedAt);
  const sentAt = clock.now();
  let info: AuthorizationInfo;
  try {
    info = await deps.componentTokens.withToken((token) =>
      deps.client.queryAuth(
        token,
        { authorizationCode: grant.authorizationCode },
        { signal: AbortSignal.timeout(Math.max(1, markedAt + PUSH_HANDLING_TIMEOUT_MS - 5_000 - clock.now())) },
      ),
    );
  } catch (error) {
    const spent = error instanceof WechatApiError && CODE_ALREADY_USED.has(error.errcode);
    // A spent code may have been spent by the browser's redirect exchange whose answer was lost: that
    // exchange issued a token superseding the stored one, so the doubt stays, widened back to the
    // authorization's time (the redirect's exchange came after it), and the due time with it.
    if (spent && known !== undefined) await keepDoubtOfSpentCode(deps, known, grant.createTime, markedAt);
    // WeChat answered with another error: it issued nothing, so the mark is taken back if nothing came after it.
    else if (error instanceof WechatApiError && marked?.record && marked.result) {
      const before = marked.result;
      await store.write(
        marked.record,
        { doubt: before.doubt ?? null, ...(before.refreshAt !== undefined ? { refreshAt: before.refreshAt } : {}) },
        { now: clock.now() },
      );
    }
    if (spent) return { kind: 'code_spent', errcode: error.errcode };
    throw error;
  }
  if (known !== undefined && info.authorizerAppId !== known) return { kind: 'wrong_account' };
  const appId = info.authorizerAppId;
  const tokens = tokenStore(deps, appId);
  if (known === undefined) await markAfterExchange(deps, appId, grant.createTime, { from: sentAt, until: clock.now() });
  const issued: IssuedToken = {
    token: info.authorizerAccessToken,
    expiresAt: sentAt + info.expiresInSeconds * 1000,
    issuedAt: sentAt,
  };
  const { result } = await transition(tokens, await store.get(appId), (current) => {
    if (!current) return { result: 'stale' as const };
    // A later authorization (a newer push handled first) wins; so does a token issued after ours, and a
    // refresh token stored after our exchange was sent (a renewal's rotation, the sync).
    if (current.authTime > grant.createTime) return { result: 'stale' as const };
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
        statusReason: 'authorized' as const,
        ...(newerRefreshToken ? {} : { refreshToken: info.authorizerRefreshToken }),
        authTime: grant.createTime,
        index: 'renewal' as const,
        // The sync's information stored after the exchange was sent is newer than its permission sets.
        ...(current.infoChangedAt !== undefined && current.infoChangedAt > sentAt ? {} : { funcInfo: info.funcInfo }),
      },
    };
  });
  if (result === 'stored') await fetchAfterExchange(deps, appId);
  return { kind: result, appId };
}

type ExchangeExtra = Omit<AuthorizerExtra, 'now'>;

function tokenStore(deps: AuthorizationDeps, appId: string): TokenStore<AuthorizerRecord, ExchangeExtra> {
  const { store, clock } = deps;
  return {
    read: () => store.get(appId),
    write: (record, change, extra) => store.write(record, change, { ...extra, now: clock.now() }),
  };
}

/**
 * The doubt of an exchange about to be sent for a known account: an account not stored yet is stored now
 * as one awaiting its refresh token, in the recovery partition (if the exchange's answer is lost, the next
 * refresh run's recovery sync brings it from the list; and a renewal the sync starts meanwhile inherits
 * the doubt of our exchange); a stored one has its token put in doubt. The record before the mark, and the
 * one after it, to take it back should WeChat refuse the code.
 */
async function markBeforeExchange(deps: AuthorizationDeps, appId: string, createTime: number, markedAt: number) {
  const { store } = deps;
  const doubt = { from: markedAt, until: markedAt + EXCHANGE_DOUBT_MS };
  const created = await store.createPending({ appId, authTime: createTime, doubt, now: markedAt });
  const existing = created ? undefined : await store.get(appId);
  return existing
    ? await transition(tokenStore(deps, appId), existing, (current) => ({
        result: current,
        ...(current ? { change: doubtChange(current, doubt, deps.renewalMarginMs) } : {}),
      }))
    : undefined;
}

/**
 * The redirect's exchange answered (`doubt`: from when it was sent to now): an account not stored is
 * stored as one awaiting its refresh token, as the push does before its exchange, so that the exchange's
 * answer is stored the same way; a stored one whose token is older than our exchange has it put in
 * doubt, should the commit keep it (a later authorization stored meanwhile: `stale`).
 */
async function markAfterExchange(deps: AuthorizationDeps, appId: string, createTime: number, doubt: Doubt) {
  const { store, clock } = deps;
  if (await store.createPending({ appId, authTime: createTime, doubt, now: clock.now() })) return;
  await transition(tokenStore(deps, appId), await store.get(appId), (current) => ({
    result: undefined,
    ...(current?.accessToken && current.accessToken.issuedAt < doubt.until
      ? { change: doubtChange(current, doubt, deps.renewalMarginMs) }
      : {}),
  }));
}

/**
 * The doubt of a code WeChat says is spent (61009, 61010): whoever spent it (the browser's redirect, an
 * earlier delivery of the push) was issued a token that may supersede the stored one, at any moment since
 * the authorization; so the doubt covers from then to the end of our own exchange's life.
 */
async function keepDoubtOfSpentCode(deps: AuthorizationDeps, appId: string, createTime: number, markedAt: number) {
  const doubt = { from: Math.min(createTime * 1000, markedAt), until: markedAt + EXCHANGE_DOUBT_MS };
  await transition(tokenStore(deps, appId), await deps.store.get(appId), (current) => ({
    result: undefined,
    ...(current ? { change: doubtChange(current, doubt, deps.renewalMarginMs) } : {}),
  }));
}
