import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalRuntime } from '../../infra/local/index.js';
import type { Logger } from '../../shared/logger.js';

/** Issue 13: `npm start`'s seeding, progress lines and Ctrl-C, in a child process as a terminal runs it. */

const root = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcessByStdio<null, Readable, Readable>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** tsx directly rather than `npm start`, so that SIGINT reaches the runtime and not npm's wrapper. */
function startChild(env: Record<string, string>): {
  child: ChildProcessByStdio<null, Readable, Readable>;
  output: () => string;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}
const exited = async (child: ChildProcessByStdio<null, Readable, Readable>) =>
  ((await once(child, 'exit')) as [number | null])[0];

describe('WECHAT_SIM_APPIDS', () => {
  it('seeds the appids given: the first sync adds exactly them', async () => {
    const { child, output } = startChild({
      WECHAT_SIM_AUTHORIZERS: '0',
      WECHAT_SIM_APPIDS: 'wxa000000000000001, wxa000000000000002',
    });
    await expect.poll(output, { timeout: 30_000, interval: 50 }).toMatch(/ready: API at (http:\/\/127\.0\.0\.1:\d+)/);
    expect(output()).toContain('seeded as authorized accounts: wxa000000000000001, wxa000000000000002');
    expect(output()).toMatch(/sync: 2 added/);
    const api = /ready: API at (\S+)/.exec(output())?.[1] ?? '';
    expect((await fetch(`${api}/authorizers/wxa000000000000002/token`)).status).toBe(200);
    child.kill('SIGINT');
    expect(await exited(child)).toBe(0);
  }, 60_000);

  it('refuses an appid that is not one: a clear line and exit 2, before anything starts', async () => {
    const { child, output } = startChild({ WECHAT_SIM_APPIDS: 'wxa000000000000001,wx1*' });
    expect(await exited(child)).toBe(2);
    expect(output()).toContain('WECHAT_SIM_APPIDS: "wx1*" is not an appid');
    expect(output()).not.toContain('WeChat simulator at');
  }, 30_000);
});

describe('Ctrl-C during a long refresh', () => {
  /** 1,500 accounts all due at the start: the first refresh lasts long enough to be interrupted. */
  async function inLongRefresh() {
    const started = startChild({ WECHAT_SIM_AUTHORIZERS: '1500', WECHAT_LOCAL_PROGRESS_MS: '200' });
    await expect
      .poll(started.output, { timeout: 60_000, interval: 20 })
      .toMatch(/refresh in progress: \d+ s, \d+ renewals asked of WeChat so far/);
    return started;
  }

  it('once: the refresh is cut short and everything stops cleanly (exit 0)', async () => {
    const { child, output } = await inLongRefresh();
    const sent = Date.now();
    child.kill('SIGINT');
    expect(await exited(child)).toBe(0);
    expect(Date.now() - sent).toBeLessThan(5_000);
    expect(output()).toContain('stopping: the runs in flight are cut short (Ctrl-C again to exit at once)');
    const renewed = /refresh: (\d+) of (\d+) due tokens renewed/.exec(output());
    expect(Number(renewed?.[1])).toBeLessThan(1_500);
    expect(output()).not.toContain('could not stop cleanly');
    expect(output()).not.toContain('refreshtoken@@@');
  }, 120_000);

  it('twice: exits at once with 130', async () => {
    const { child, output } = await inLongRefresh();
    child.kill('SIGINT');
    await expect.poll(output, { timeout: 5_000, interval: 10 }).toContain('stopping:');
    child.kill('SIGINT');
    expect(await exited(child)).toBe(130);
    expect(output()).toContain('stopping now');
  }, 120_000);
});

describe('Ctrl-C during the first sync of many accounts', () => {
  /** The list pages the latest progress line counts. */
  const pagesAsked = (output: string) =>
    Number([...output.matchAll(/sync in progress: \d+ s, (\d+) list pages/g)].at(-1)?.[1] ?? 0);

  it('stops within seconds: the accounts already listed are not all written first (exit 0)', async () => {
    const { child, output } = startChild({ WECHAT_SIM_AUTHORIZERS: '20000', WECHAT_LOCAL_PROGRESS_MS: '200' });
    // Once every page is listed (41 pages of 500): the sync is writing 20,000 new accounts, some 30 s of work.
    await expect.poll(() => pagesAsked(output()), { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(41);
    const sent = Date.now();
    child.kill('SIGINT');
    expect(await exited(child)).toBe(0);
    expect(Date.now() - sent).toBeLessThan(5_000);
    // Only the writes in flight at Ctrl-C; the listing, cut short, revoked nobody.
    const added = Number(/sync: (\d+) added/.exec(output())?.[1]);
    expect(added).toBeLessThan(1_000);
    expect(output()).toMatch(/sync: \d+ added, 0 updated, 0 revoked, 0 unchanged in 41 pages \(listing not complete\)/);
    expect(output()).not.toContain('ready: API');
    expect(output()).not.toContain('could not stop cleanly');
  }, 120_000);
});

describe('the ./local entry', () => {
  it('prints progress while a refresh lasts, and abortRuns cuts it short', async () => {
    const lines: string[] = [];
    const record = (message: string) => void lines.push(message);
    const logger: Logger = { debug: () => undefined, info: record, warn: () => undefined, error: record };
    const runtime = await startLocalRuntime({
      port: 0,
      authorizers: 40,
      syncEveryMs: 3_600_000,
      refreshEveryMs: 3_600_000,
      ticketEveryMs: 3_600_000,
      progressEveryMs: 50,
      logger,
    });
    try {
      await expect.poll(async () => (await runtime.status()).lastRefresh, { timeout: 20_000 }).not.toBeNull();
      runtime.simulator.faults.set({ latencyMs: 100, endpoints: ['api_authorizer_token'] });
      runtime.simulator.clock.advance(3 * 3_600_000);
      const earlier = lines.length; // the startup refresh printed progress lines of its own
      const refresh = fetch(`${runtime.apiUrl}/__local/refresh`, { method: 'POST' });
      await expect
        .poll(() => lines.slice(earlier).join('\n'), { timeout: 10_000, interval: 10 })
        .toMatch(/refresh in progress: \d+ s, \d+ renewals asked of WeChat so far/);
      runtime.abortRuns();
      const answered = await refresh;
      const report = (await answered.json()) as { summary: { due: number; renewed: number } };
      expect(answered.status, JSON.stringify(report)).toBe(200);
      expect(report.summary.due).toBeGreaterThan(0);
      expect(report.summary.renewed).toBeLessThan(40);
      expect((await runtime.status()).lastRefresh?.aborted).toBe(true);
      // Stopping: no run is started again.
      expect((await fetch(`${runtime.apiUrl}/__local/sync`, { method: 'POST' })).status).toBe(503);
    } finally {
      await runtime.close();
    }
  }, 60_000);
});
