import type { Sensitive } from '../sensitive.js';
import { codeHash } from './codes.js';
import type { OnboardingDeps } from './deps.js';

/** What the push did to a session. */
export type PushCompletion = 'completed' | 'already_completed' | 'no_session' | 'expired';

/**
 * The stable log message of a session completed with the authorization code of another session's
 * authorization (the push maps the code's pre-auth code to a session other than the one the code was
 * claimed for): a metric filter or an alarm can match it.
 */
export const CODE_OF_ANOTHER_SESSION = 'onboarding code claimed by another session';

/**
 * The `authorized` / `updateauthorized` push, after its exchange: the session that minted its
 * `PreAuthCode` is completed (`completedBy: 'push'`), so that the onboarding completes even if the
 * browser never comes back. The push is WeChat's signed word, so it completes the session whatever its
 * own exchange came to (stored, stale, or a code the redirect spent first). Never refuses the push.
 *
 * The push claims the code for its session first (as the redirect does before its exchange), so that a
 * redirect bringing the code to another session is refused. Should another session have claimed it
 * already (its holder passed this authorization's code to its own callback before the push came), that
 * session may be completed with this account: logged as an error (`CODE_OF_ANOTHER_SESSION`), and this
 * session completed all the same.
 */
export async function completeByPush(
  deps: Pick<OnboardingDeps, 'store' | 'clock' | 'logger'>,
  push: { readonly preAuthCode: Sensitive; readonly appId: string; readonly authCodeHash: string },
): Promise<PushCompletion> {
  const sessionId = await deps.store.sessionOfPreAuthCode(codeHash(push.preAuthCode));
  if (!sessionId) return 'no_session';
  const session = await deps.store.get(sessionId);
  if (!session) return 'no_session';
  const claim = await deps.store.claimAuthCode(push.authCodeHash, session);
  if (claim.kind === 'other') {
    const other = claim.sessionId === undefined ? undefined : await deps.store.get(claim.sessionId);
    deps.logger.error(CODE_OF_ANOTHER_SESSION, {
      appId: push.appId,
      otherSessionCompleted: other?.completion?.authCodeHash === push.authCodeHash,
    });
  }
  const write = await deps.store.complete(sessionId, {
    completedAt: deps.clock.now(),
    appId: push.appId,
    completedBy: 'push',
    authCodeHash: push.authCodeHash,
  });
  if (write.kind === 'completed') {
    deps.logger.info('onboarding session completed', { completedBy: 'push', appId: push.appId });
    return 'completed';
  }
  if (!write.session) return 'no_session';
  if (write.session.completion) {
    if (write.session.completion.authCodeHash !== push.authCodeHash)
      deps.logger.warn('onboarding session completed by another authorization than its push', { appId: push.appId });
    return 'already_completed';
  }
  return 'expired';
}
