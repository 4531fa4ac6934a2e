import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStartError } from './errors.js';
import { optionalPeer } from './optional-peer.js';

/**
 * The folder inside the data folder whose LevelDB lock a runtime holds for as long as it runs. LevelDB
 * ignores files it did not write, as it ignores the simulator's state file beside it.
 */
export const RUNTIME_LOCK_FOLDER = '.runtime-lock';

/** A data folder this process may use until `release` (dynalite closed first). */
export interface ClaimedFolder {
  release(): Promise<void>;
}

/**
 * Claims the data folder before dynalite opens it, so that a second runtime is told in one line rather
 * than crashing on dynalite's "Database is closed" (dynalite opens its LevelDB on its own and throws,
 * uncaught, on the first request when another process holds the folder's lock).
 *
 * A check that opened the folder and closed it again left a gap: two runtimes started at once both
 * passed it, and the one whose dynalite lost the race crashed. So the claim is a lock held for the
 * runtime's life: a LevelDB of its own in `RUNTIME_LOCK_FOLDER`, whose lock the operating system frees
 * when the process dies (a killed runtime leaves no stale lock). A process holding the folder without it
 * (a runtime of an older version, a bare dynalite) is caught by opening the folder itself once, after.
 */
export async function claimDataFolder(path: string): Promise<ClaimedFolder> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw unusable(path, error);
  }
  const { Level } = await optionalPeer('level', () => import('level'));
  const lock = new Level(join(path, RUNTIME_LOCK_FOLDER));
  await open(lock, path);
  try {
    const probe = new Level(path);
    await open(probe, path);
    await probe.close();
  } catch (error) {
    await lock.close();
    throw error;
  }
  return { release: () => lock.close() };
}

async function open(db: { open(): Promise<void> }, path: string): Promise<void> {
  try {
    await db.open();
  } catch (error) {
    if (levelCode(error) === 'LEVEL_LOCKED')
      throw new LocalStartError(
        'data_folder_in_use',
        `the data folder ${path} is already open in another local runtime: stop that one, or give this one another WECHAT_LOCAL_DATA folder`,
        { cause: error },
      );
    throw unusable(path, error);
  }
}

function unusable(path: string, error: unknown): LocalStartError {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const reason =
    code === 'EEXIST' || code === 'ENOTDIR'
      ? 'it, or a folder above it, is a file'
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'this user may not write it'
        : cause instanceof Error
          ? cause.message
          : String(cause);
  return new LocalStartError(
    'data_folder_unusable',
    `the data folder ${path} cannot be used (${reason}): give WECHAT_LOCAL_DATA a folder this user can write, or leave it unset to keep the data in memory`,
    { cause: error },
  );
}

function levelCode(error: unknown): unknown {
  const cause = error instanceof Error ? error.cause : undefined;
  return typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
}
