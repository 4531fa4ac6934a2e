import type { Update } from './table';

/**
 * Marking an account revoked, whoever learns of it (the sync, an `unauthorized` push): kept, with its
 * refresh token, but out of the due index and without an access token to hand out. Its absence from
 * listings (`absentSince`) no longer matters: a listing that carries it again reactivates it.
 */
export function revocationUpdate(now: number): Update {
  return {
    set: { status: 'revoked', statusChangedAt: now },
    increment: ['version'],
    remove: ['refreshAt', 'dueShard', 'accessToken', 'accessTokenExpiresAt', 'absentSince'],
  };
}
