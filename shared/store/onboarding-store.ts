import {
  completeSession,
  countOpening,
  newSessionItem,
  type OnboardingSession,
  onboardingSessionKey,
  readSession,
  type SessionCompletion,
  sessionTtlSeconds,
} from './items/onboarding-session.js';
import {
  authCodeClaimItem,
  authCodeClaimKey,
  preAuthCodeItem,
  preAuthCodeKey,
  sessionIdOf,
} from './items/pre-auth-code.js';
import type { Table } from './table.js';

/** What became of a completion: written now, or not (the session as it is then, if there is one). */
export type CompletionWrite =
  | { readonly kind: 'completed'; readonly session: OnboardingSession }
  | { readonly kind: 'not_written'; readonly session: OnboardingSession | undefined };

/**
 * A claim of an authorization code: `claimed` now, `held` already by this session (a reload, or its
 * push), or `other` (the session another claim names: the code is another session's).
 */
export type CodeClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'held' }
  | { readonly kind: 'other'; readonly sessionId: string | undefined };

/**
 * Onboarding sessions and the pre-auth codes they minted (items/onboarding-session.ts,
 * items/pre-auth-code.ts): every read consistent (a session just created, a completion just written by
 * the other path, must be seen), every write conditional.
 */
export class OnboardingStore {
  constructor(private readonly table: Table) {}

  /** Records a new session; `false` if its id is taken (32 random bytes: never, short of a bug). */
  create(session: Omit<OnboardingSession, 'revision' | 'completion'>): Promise<boolean> {
    return this.table.putNew(newSessionItem(session));
  }

  async get(sessionId: string): Promise<OnboardingSession | undefined> {
    return readSession(await this.table.get(onboardingSessionKey(sessionId), true));
  }

  /** Records that `sessionId` minted the pre-auth code of this hash, for as long as the session is kept. */
  async recordPreAuthCode(preAuthCodeHash: string, session: Pick<OnboardingSession, 'sessionId' | 'expiresAt'>) {
    await this.table.putNew(preAuthCodeItem(preAuthCodeHash, session.sessionId, sessionTtlSeconds(session.expiresAt)));
  }

  /** The session that minted the pre-auth code of this hash, if one did. */
  async sessionOfPreAuthCode(preAuthCodeHash: string): Promise<string | undefined> {
    return sessionIdOf(await this.table.get(preAuthCodeKey(preAuthCodeHash), true));
  }

  /**
   * Counts one opening of the page (see `countOpening`); `undefined` when it may not be opened (completed,
   * expired, gone, or opened too often: the caller reads the session again to tell which).
   */
  async countOpening(sessionId: string, now: number): Promise<OnboardingSession | undefined> {
    return readSession(await this.table.apply(countOpening(sessionId, now)));
  }

  /** Claims the authorization code of this hash for `session`, unless a session claimed it already. */
  async claimAuthCode(
    authCodeHash: string,
    session: Pick<OnboardingSession, 'sessionId' | 'expiresAt'>,
  ): Promise<CodeClaim> {
    const item = authCodeClaimItem(authCodeHash, session.sessionId, sessionTtlSeconds(session.expiresAt));
    if (await this.table.putNew(item)) return { kind: 'claimed' };
    const holder = sessionIdOf(await this.table.get(authCodeClaimKey(authCodeHash), true));
    return holder === session.sessionId ? { kind: 'held' } : { kind: 'other', sessionId: holder };
  }

  /**
   * Completes the session, once: only if it is stored, not completed and still completable (see
   * `completeSession`). Otherwise the session is read again, so that the caller can tell a completion by
   * the other path (a reload, the push) from an expired or missing session.
   */
  async complete(sessionId: string, completion: SessionCompletion): Promise<CompletionWrite> {
    const written = await this.table.apply(completeSession(sessionId, completion));
    if (written) {
      const session = readSession(written);
      if (session) return { kind: 'completed', session };
    }
    return { kind: 'not_written', session: await this.get(sessionId) };
  }
}
