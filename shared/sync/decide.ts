import type { AuthorizerSnapshot, ListedEntry } from '../store/index.js';
import { MAX_WECHAT_CLOCK_SKEW_MS } from '../wechat-time.js';

/**
 * How far a listed auth_time may be from the stored one and still be the same authorization: an account
 * onboarded through the browser's redirect is stored with the hub's own second (the exchange does not say
 * WeChat's), which WeChat's listing may put a second or two either side. Moving it would announce the same
 * authorization twice (`Authorizer Authorized` follows a grown authTime). A re-authorization within this
 * of the previous one still brings its new refresh token; only its auth time is not moved.
 */
export const AUTH_TIME_TOLERANCE_SECONDS = MAX_WECHAT_CLOCK_SKEW_MS / 1000;

/** What a listed entry does to the stored account. */
export type SyncDecision =
  | { readonly kind: 'create' }
  | { readonly kind: 'unchanged' }
  /** An active account re-authorized: a new refresh token and/or auth time. */
  | { readonly kind: 'update'; readonly refreshToken: boolean; readonly authTime: boolean }
  /**
   * refresh_token_invalid, and recovered: WeChat lists another refresh token (`refreshToken`), or the
   * stored one was written after the mark and so is not the one refused (`refreshToken: false`).
   */
  | { readonly kind: 'heal'; readonly refreshToken: boolean; readonly authTime: boolean }
  /** Revoked, and listed again: authorized again. */
  | { readonly kind: 'reactivate'; readonly refreshToken: boolean; readonly authTime: boolean }
  /** refresh_token_invalid, but WeChat lists the very token that failed: nothing to recover with yet. */
  | { readonly kind: 'still_invalid' }
  /** Nothing else changes, but an earlier complete listing lacked it: that absence is forgotten. */
  | { readonly kind: 'relisted' };

/** Compares before writing: an unchanged account costs no write at all. */
export function decide(stored: AuthorizerSnapshot | undefined, listed: ListedEntry): SyncDecision {
  if (!stored) return { kind: 'create' };
  const refreshToken = !stored.refreshToken.equals(listed.refreshToken);
  const authTime = Math.abs(stored.authTime - listed.authTime) > AUTH_TIME_TOLERANCE_SECONDS;
  // Any change written below clears the absence too; only a write-free decision needs its own.
  const unlessAbsent = (decision: SyncDecision): SyncDecision =>
    stored.absentSince === undefined ? decision : { kind: 'relisted' };
  switch (stored.status) {
    case 'revoked':
      return { kind: 'reactivate', refreshToken, authTime };
    case 'refresh_token_invalid':
      if (refreshToken) return { kind: 'heal', refreshToken, authTime };
      // The listed token is the stored one. If it was stored after the mark (a renewal paused past its
      // lease committed the token WeChat rotated to), it is not the token WeChat refused: WeChat lists
      // it, so it is the account's current one, and the account is healed with it.
      if (stored.refreshTokenChangedAt > stored.statusChangedAt) return { kind: 'heal', refreshToken: false, authTime };
      return unlessAbsent({ kind: 'still_invalid' });
    case 'active':
      return refreshToken || authTime
        ? { kind: 'update', refreshToken, authTime }
        : unlessAbsent({ kind: 'unchanged' });
  }
}
