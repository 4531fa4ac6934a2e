import { open, readFile, rename, rm } from 'node:fs/promises';
import { WorldSnapshotError } from './errors.js';
import type { WechatSimulator } from './index.js';
import { parseWorldSnapshot, type WorldSnapshot } from './snapshot.js';

/** The simulator's state inside a data folder, beside dynalite's files (LevelDB ignores names it did not write). */
export const SIMULATOR_STATE_FILE = 'wechat-simulator.json';

/**
 * The snapshot saved in `file`, checked for `componentAppId`; `undefined` when there is no such file.
 * A file that cannot be read or is not a snapshot this simulator restores throws `WorldSnapshotError`.
 */
export async function readWorldSnapshot(file: string, componentAppId: string): Promise<WorldSnapshot | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw new WorldSnapshotError(
      'unreadable',
      `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new WorldSnapshotError('unreadable', `${file} is not JSON (a truncated or damaged file)`, { cause: error });
  }
  return parseWorldSnapshot(data, componentAppId);
}

/**
 * Writes the snapshot so that `file` is always either the previous snapshot or this one, whole: into a
 * temporary file beside it, flushed to disk, then renamed over it (a rename within a folder is atomic).
 */
export async function writeWorldSnapshot(file: string, snapshot: WorldSnapshot): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(JSON.stringify(snapshot));
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, file);
}

/**
 * Saves a simulator's world to `file`: `saveIfChanged` on a timer (it writes only when the world changed
 * since the last save), `save` on shutdown. Saves never overlap: each waits for the one before.
 */
export class WorldSnapshotSaver {
  #savedRevision: number | undefined;
  #last: Promise<void> = Promise.resolve();

  constructor(
    private readonly simulator: WechatSimulator,
    readonly file: string,
  ) {}

  saveIfChanged(): Promise<void> {
    return this.#enqueue(false);
  }

  save(): Promise<void> {
    return this.#enqueue(true);
  }

  #enqueue(always: boolean): Promise<void> {
    const next = this.#last
      .catch(() => undefined)
      .then(async () => {
        const revision = this.simulator.world.revision;
        if (!always && revision === this.#savedRevision) return;
        // The snapshot is taken synchronously, so it is one consistent state of the world.
        await writeWorldSnapshot(this.file, this.simulator.snapshot());
        this.#savedRevision = revision;
      });
    this.#last = next;
    return next;
  }
}

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}
