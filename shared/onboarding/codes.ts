import { createHash, randomBytes } from 'node:crypto';
import type { Sensitive } from '../sensitive.js';

/**
 * A session id: 32 random bytes in base64url (43 characters). It is the session's only credential on the
 * public pages (whoever knows it can open the page and receive the redirect), so it is as strong as a key.
 */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** Whether `value` can be a session id (anything else is refused before the table is read). */
export function isSessionId(value: string | undefined): value is string {
  return value !== undefined && SESSION_ID.test(value);
}

/**
 * The SHA-256 (hex) of a pre-auth or authorization code: what the table keeps instead of the code, so
 * that a read of the table (a backup, the change stream, an operator) learns no code that could be used.
 */
export function codeHash(code: Sensitive): string {
  return createHash('sha256').update(code.reveal(), 'utf8').digest('hex');
}
