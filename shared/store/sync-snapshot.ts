import * as z from 'zod/mini';
import { sensitive, type Sensitive } from '../sensitive';
import type { AuthorizerStatus } from './authorizer-store';
import { StoreCorruptionError } from './errors';

/** What the sync needs to know of a stored authorizer to decide whether a listing changes it. */
export interface AuthorizerSnapshot {
  readonly appId: string;
  readonly status: AuthorizerStatus;
  readonly refreshToken: Sensitive;
  readonly authTime: number;
  readonly version: number;
  readonly refreshTokenChangedAt: number;
  /** A refused account whose refresh token was stored after this was not refused (see `decide`). */
  readonly statusChangedAt: number;
  /** The start of the complete listing that first lacked it (absent from every one since). */
  readonly absentSince?: number | undefined;
  /** The due index's key, to find an active account the index lost (see `needsReindex`). */
  readonly refreshAt?: number | undefined;
  readonly dueShard?: string | undefined;
}

/** One entry of api_get_authorizer_list, with when the page that carried it was requested. */
export interface ListedEntry {
  readonly appId: string;
  readonly refreshToken: Sensitive;
  readonly authTime: number;
  /** Epoch ms at which the page's request was sent: nothing stored after it may be overwritten by it. */
  readonly fetchedAt: number;
}

const snapshotSchema = z.object({
  appId: z.string(),
  status: z.enum(['active', 'revoked', 'refresh_token_invalid']),
  refreshToken: z.string(),
  authTime: z.number(),
  version: z.number(),
  refreshTokenChangedAt: z.number(),
  statusChangedAt: z.number(),
  absentSince: z.optional(z.number()),
  refreshAt: z.optional(z.number()),
  dueShard: z.optional(z.string()),
});
// Only these are read of each account: the unchanged sync of 100,000 accounts is bound by this Scan.
const SNAPSHOT_ATTRIBUTES = ['appId', 'status', 'refreshToken', 'authTime', 'version', 'refreshTokenChangedAt', 'statusChangedAt', 'absentSince', 'refreshAt', 'dueShard'];
export const SNAPSHOT_NAMES = Object.fromEntries(SNAPSHOT_ATTRIBUTES.map((name) => [`#${name}`, name]));

export function decodeSnapshot(item: Record<string, unknown>): AuthorizerSnapshot {
  const parsed = snapshotSchema.safeParse(item);
  if (!parsed.success) throw new StoreCorruptionError('authorizer', parsed.error.issues.map((issue) => issue.path.join('.')));
  const { refreshToken, ...rest } = parsed.data;
  return { ...rest, refreshToken: sensitive(refreshToken) };
}
