import * as z from 'zod/mini';
import { WorldSnapshotError } from './errors.js';

/**
 * The simulated WeChat's state as one JSON document (`WechatWorld.snapshot()` / `restore()`), so that a
 * local runtime restarted on its data folder finds the simulator knowing every token and refresh token
 * the table holds. Versioned: a document of another version is refused, never half-read.
 */
export const WORLD_SNAPSHOT_FORMAT = 'wechat-simulator-world';
export const WORLD_SNAPSHOT_VERSION = 1;

const time = z.number().check(z.minimum(0));
const text = z.string().check(z.minLength(1));

const ledgerEntry = <Owner extends z.core.SomeType>(owner: Owner) =>
  z.object({ token: text, owner, expiresAt: time, supersededAt: z.optional(time) });

const worldSnapshotSchema = z.object({
  format: z.literal(WORLD_SNAPSHOT_FORMAT),
  version: z.literal(WORLD_SNAPSHOT_VERSION),
  componentAppId: text,
  /** When it was taken: the simulator's time, and the real time (to resume a running clock). */
  savedAt: z.object({ simulated: time, wall: time }),
  /** The seeded generator's position: tokens issued after a restore are new, not repeats of earlier ones. */
  random: z.int().check(z.minimum(0), z.maximum(0xffff_ffff)),
  population: z.array(
    z.object({
      appId: text,
      refreshToken: text,
      previousRefreshToken: z.optional(z.object({ value: text, until: time })),
      authTime: z.int(),
      authorized: z.boolean(),
      // Optional: snapshots taken before accounts had them still restore (the appid derives them).
      kind: z.optional(z.enum(['official_account', 'mini_program'])),
      funcInfo: z.optional(z.array(z.int().check(z.positive()))),
    }),
  ),
  componentTokens: z.array(ledgerEntry(z.literal('component'))),
  authorizerTokens: z.array(ledgerEntry(text)),
  tickets: z.array(z.object({ ticket: text, issuedAt: time })),
  authorizationCodes: z.array(z.object({ code: text, appId: text, expiresAt: time })),
  /** Optional: a snapshot taken before pre-auth codes were remembered has none. */
  preAuthCodes: z.optional(z.array(z.object({ code: text, expiresAt: time, spent: z.boolean() }))),
});

export type WorldSnapshot = z.infer<typeof worldSnapshotSchema>;

/**
 * Checks that `data` is a snapshot of this format and version, for `componentAppId`, consistent in itself
 * (each account once, each token once); the snapshot, or a `WorldSnapshotError` saying what is wrong.
 */
export function parseWorldSnapshot(data: unknown, componentAppId: string): WorldSnapshot {
  const head =
    typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
  if (head?.['format'] !== WORLD_SNAPSHOT_FORMAT) {
    throw new WorldSnapshotError(
      'wrong_format',
      `not a WeChat simulator world snapshot (format ${JSON.stringify(head?.['format'])})`,
    );
  }
  if (head['version'] !== WORLD_SNAPSHOT_VERSION) {
    throw new WorldSnapshotError(
      'wrong_version',
      `snapshot format version ${JSON.stringify(head['version'])}; this simulator reads version ${WORLD_SNAPSHOT_VERSION}`,
    );
  }
  const parsed = worldSnapshotSchema.safeParse(data);
  if (!parsed.success) {
    const paths = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))].slice(0, 5);
    throw new WorldSnapshotError('corrupt', `the snapshot is damaged at ${paths.join(', ')}`);
  }
  const snapshot = parsed.data;
  requireSnapshotOf(snapshot, componentAppId);
  const duplicate =
    firstDuplicate(snapshot.population.map((entry) => entry.appId)) ??
    firstDuplicate([...snapshot.componentTokens, ...snapshot.authorizerTokens].map((entry) => entry.token));
  if (duplicate !== undefined)
    throw new WorldSnapshotError('corrupt', 'the snapshot is damaged: an account or a token appears twice');
  return snapshot;
}

/** Throws unless the snapshot is of `componentAppId`'s WeChat: another component's accounts are not ours. */
export function requireSnapshotOf(snapshot: WorldSnapshot, componentAppId: string): void {
  if (snapshot.componentAppId !== componentAppId) {
    throw new WorldSnapshotError(
      'other_component',
      `the snapshot is of component ${snapshot.componentAppId}, not ${componentAppId}`,
    );
  }
}

function firstDuplicate(values: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) return value;
    seen.add(value);
  }
  return undefined;
}
