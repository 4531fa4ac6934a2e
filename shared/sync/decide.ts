import type { AuthorizerSnapshot, ListedEntry } from '../store';

/** What a listed entry does to the stored account. */
export type SyncDecision =
  | { readonly kind: 'create' }
  | { readonly kind: 'unchanged' }
  /** An active account re-authorized: a new refresh token and/or auth time. */
  | { readonly kind: 'update'; readonly refreshToken: boolean; readonly authTime: boolean }
  /** refresh_token_invalid, and WeChat lists another refresh token: recovered. */
  | { readonly kind: 'heal'; readonly authTime: boolean }
  /** Revoked, and listed again: authorized again. */
  | { readonly kind: 'reactivate'; readonly refreshToken: boolean; readonly authTime: boolean }
  /** refresh_token_invalid, but WeChat lists the very token that failed: nothing to recover with yet. */
  | { readonly kind: 'still_invalid' };

/** Compares before writing: an unchanged account costs no write at all. */
export function decide(stored: AuthorizerSnapshot | undefined, listed: ListedEntry): SyncDecision {
  if (!stored) return { kind: 'create' };
  const refreshToken = !stored.refreshToken.equals(listed.refreshToken);
  const authTime = stored.authTime !== listed.authTime;
  switch (stored.status) {
    case 'revoked':
      return { kind: 'reactivate', refreshToken, authTime };
    case 'refresh_token_invalid':
      return refreshToken ? { kind: 'heal', authTime } : { kind: 'still_invalid' };
    case 'active':
      return refreshToken || authTime ? { kind: 'update', refreshToken, authTime } : { kind: 'unchanged' };
  }
}
