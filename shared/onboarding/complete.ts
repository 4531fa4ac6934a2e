import { errorLogFields } from '../errors.js';
import type { Sensitive } from '../sensitive.js';
import { isCompletable, type OnboardingSession } from '../store/items/onboarding-session.js';
import type { CodeClaim } from '../store/onboarding-store.js';
import { WechatApiError } from '../wechat/index.js';
import { codeHash } from './codes.js';
import type { OnboardingDeps, RedirectExchangeOutcome } from './deps.js';
import { OnboardingRefusedError } from './errors.js';
import { pageSession } from './start.js';

// The push's part lives in push-completion.ts; it is exported from here too (shared/push-service.ts imports it).
export { CODE_OF_ANOTHER_SESSION, completeByPush, type PushCompletion } from './push-completion.js';

/** The longest authorization code read from a redirect (WeChat's are about a hundred characters). */
export const MAX_AUTH_CODE_LENGTH = 512;

/**
 * How often, and how far apart, a reload whose code is spent reads the session again, waiting for the
 * push to complete it. About 2 s in all; then the browser is told the authorization is being completed.
 * Only a code this session claimed before is waited for (a reload after a lost answer, or a code its
 * push claimed): a code never claimed (forged, or another session's) costs no wait.
 */
export const SETTLE_READS = 8;
export const SETTLE_INTERVAL_MS = 250;

/**
 * The deadline of the redirect's WeChat calls (api_query_auth, then api_get_authorizer_info after a
 * stored exchange), from the request's start: with the completion's retries and the wait for the push,
 * the whole redirect stays well within the onboarding function's 29 s.
 */
export const EXCHANGE_BUDGET_MS = 20_000;

/** How often the completion is written before the redirect gives it up to the push, and the waits between. */
export const COMPLETION_ATTEMPTS = 3;
export const COMPLETION_RETRY_MS = 200;

/**
 * What the redirect answers: the browser sent to `return_url` (`landed`), or a page saying that the
 * authorization is being completed (`pending`): the code is spent and the session not completed yet,
 * which the push of the same authorization does (docs/design/onboarding.md, "When an answer is lost").
 */
export type RedirectOutcome = { readonly kind: 'landed'; readonly location: string } | { readonly kind: 'pending' };

/**
 * WeChat's redirect back to the hub (`/authorize/callback?session=&auth_code=`): the code is claimed for
 * the session, exchanged through the same path as the `authorized` push's (whichever comes first stores
 * the account), the session completed once, and the browser sent to `return_url` with
 * `authorizer_appid` and `state`. A reload (the same code, by its hash) lands on the same address and
 * changes nothing; another code for a completed session is refused.
 */
export async function completeByRedirect(
  deps: OnboardingDeps,
  sessionId: string | undefined,
  authCode: Sensitive | undefined,
): Promise<RedirectOutcome> {
  const session = await pageSession(deps, sessionId);
  const code = authCode?.reveal() ?? '';
  if (!authCode || code.length === 0 || code.length > MAX_AUTH_CODE_LENGTH)
    throw new OnboardingRefusedError('code_spent', 'no authorization code');
  const hash = codeHash(authCode);
  if (session.completion) return landing(session, hash);
  const now = deps.clock.now();
  if (!isCompletable(session, now)) throw new OnboardingRefusedError('session_expired', 'the session expired');
  // The claim comes BEFORE the exchange: should its answer, or the completion, be lost, a reload knows the
  // code was this session's, and waits for the push instead of refusing it.
  const claim = await deps.store.claimAuthCode(hash, session);
  if (claim.kind === 'other')
    throw new OnboardingRefusedError('code_spent', "the authorization code is another session's");
  const outcome = await exchanged(deps, authCode, now);
  switch (outcome.kind) {
    case 'wrong_account':
      // Only an exchange that names the account it expects can be for another; this one names none.
      throw new Error('an exchange without an appid answered wrong_account');
    case 'unanswered':
      return settled(deps, session.sessionId, hash, SETTLE_READS);
    case 'code_spent':
      return settled(deps, session.sessionId, hash, readsFor(claim));
    case 'stored':
    case 'stale':
      return completed(deps, session.sessionId, hash, outcome.appId);
  }
}

/** A spent code is waited for only when the session claimed it before this request. */
function readsFor(claim: CodeClaim): number {
  return claim.kind === 'held' ? SETTLE_READS : 1;
}

type Exchanged = RedirectExchangeOutcome | { readonly kind: 'unanswered' };

/**
 * The exchange, within its budget. WeChat's error answer is thrown (it issued nothing: a reload tries
 * again); any other failure (no answer, the budget over, a write after it) may come after WeChat spent
 * the code, so the push of the same authorization is waited for instead.
 */
async function exchanged(deps: OnboardingDeps, authorizationCode: Sensitive, now: number): Promise<Exchanged> {
  try {
    return await deps.exchange(
      { authorizationCode, createTime: Math.floor(now / 1000) },
      deps.budget(EXCHANGE_BUDGET_MS),
    );
  } catch (error) {
    if (error instanceof WechatApiError) throw error;
    deps.logger.warn('onboarding exchange unanswered; the push completes the session', errorLogFields(error));
    return { kind: 'unanswered' };
  }
}

/**
 * The session completed with the exchange's account, the write tried a few times: the account is
 * stored and the code spent, so a reload could not do it again. Given up, the push completes it.
 */
async function completed(deps: OnboardingDeps, sessionId: string, hash: string, appId: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      const write = await deps.store.complete(sessionId, {
        completedAt: deps.clock.now(),
        appId,
        completedBy: 'redirect',
        authCodeHash: hash,
      });
      if (write.kind === 'completed')
        deps.logger.info('onboarding session completed', { completedBy: 'redirect', appId });
      return landing(settledSession(write.session), hash);
    } catch (error) {
      if (attempt >= COMPLETION_ATTEMPTS) {
        deps.logger.error('onboarding completion not written; the push completes the session', {
          appId,
          ...errorLogFields(error),
        });
        return { kind: 'pending' as const };
      }
      await deps.sleep(COMPLETION_RETRY_MS * attempt);
    }
  }
}

/**
 * The code is spent and the session not completed by us: by the push of the same authorization (which
 * completes the session, if it has not yet), by a lost answer to our own exchange, or it is no code of
 * this session's. The session is read `reads` times for the push's completion; then `pending`.
 */
async function settled(deps: OnboardingDeps, sessionId: string, hash: string, reads: number): Promise<RedirectOutcome> {
  for (let read = 1; ; read++) {
    const session = settledSession(await deps.store.get(sessionId));
    if (session.completion) return landing(session, hash);
    if (!isCompletable(session, deps.clock.now()))
      throw new OnboardingRefusedError('session_expired', 'the session expired');
    if (read >= reads) return { kind: 'pending' };
    await deps.sleep(SETTLE_INTERVAL_MS);
  }
}

/** A session read back (after a completion that did not write, or while waiting): gone is not found. */
function settledSession(session: OnboardingSession | undefined): OnboardingSession {
  if (!session) throw new OnboardingRefusedError('session_not_found', 'no such session');
  return session;
}

/**
 * Where the browser of a completed session goes: `return_url` with `authorizer_appid` (and `state`, when
 * the session has one), only for the code that completed it; a session completed with another code is
 * refused (a code of another session's authorization, or a forged redirect).
 */
function landing(session: OnboardingSession, hash: string): RedirectOutcome {
  const { completion } = session;
  if (!completion) throw new OnboardingRefusedError('session_expired', 'the session can no longer be completed');
  if (completion.authCodeHash !== hash)
    throw new OnboardingRefusedError('session_completed', 'the session was completed by another authorization');
  const url = new URL(session.returnUrl);
  url.searchParams.set('authorizer_appid', completion.appId);
  if (session.state !== undefined) url.searchParams.set('state', session.state);
  return { kind: 'landed', location: url.href };
}
