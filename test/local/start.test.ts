import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalSettingError, LocalStartError } from '../../infra/local/errors.js';
import { startLocalRuntime } from '../../infra/local/runtime.js';
import { silentLogger } from '../../shared/logger.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('npm start: the whole product comes up, says ready, hands out a token WeChat accepts, and stops on Ctrl-C', async () => {
  // tsx directly rather than `npm start`, so that SIGINT reaches the runtime and not npm's wrapper.
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', WECHAT_SIM_AUTHORIZERS: '700' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await expect
      .poll(() => output, { timeout: 30_000, interval: 50 })
      .toMatch(/ready: API at (http:\/\/127\.0\.0\.1:\d+)/);
    const api = /ready: API at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
    const wechat = /WeChat simulator at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
    expect(output).toContain('ticket pushed through');
    expect(output).toMatch(/sync: 700 added/);

    const list = (await (await fetch(`${api}/authorizers?limit=2`)).json()) as {
      authorizers: Array<{ authorizer_appid: string }>;
    };
    const appId = list.authorizers[0]?.authorizer_appid ?? '';
    const token = (await (await fetch(`${api}/authorizers/${appId}/token`)).json()) as {
      authorizer_access_token: string;
      expires_in: number;
    };
    // A fresh token: well over an hour of guaranteed use (the service advertises less than WeChat's
    // 7,200 s, as it renews early).
    expect(token.expires_in).toBeGreaterThan(3_600);
    // WeChat (the simulator) accepts the token as the account's own.
    const check = (await (
      await fetch(
        `${wechat}/cgi-bin/get_api_domain_ip?access_token=${encodeURIComponent(token.authorizer_access_token)}`,
      )
    ).json()) as Record<string, unknown>;
    expect(check).toHaveProperty('ip_list');

    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(output).not.toContain('could not stop cleanly');
    expect(code).toBe(0);
    expect(output).not.toContain('refreshtoken@@@');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 60_000);

it('refuses a malformed setting with a clear message', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: root,
    env: { ...process.env, WECHAT_SIM_AUTHORIZERS: 'many' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(2);
  expect(output).toContain('WECHAT_SIM_AUTHORIZERS must be a whole number');
});

describe('a port or data folder in use: one clear line and a non-zero exit, no stack trace', () => {
  /** Runs start.ts until it exits; its exit code and everything it printed. */
  async function runStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
      cwd: root,
      env: { ...process.env, WECHAT_SIM_AUTHORIZERS: '5', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    return { code, output };
  }
  const stackTrace = /^\s+at /m;

  it('a port already in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as AddressInfo;
      const { code, output } = await runStart({ PORT: String(port) });
      expect(code).toBe(1);
      expect(output).toContain(`error: port ${port} is already in use`);
      expect(output).toContain('PORT=');
      expect(output).not.toMatch(stackTrace);
      expect(output).not.toContain('ready:');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  }, 40_000);

  it('a data folder another runtime has open, in another process or in this one', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'wechat-local-data-'));
    const runtime = await startLocalRuntime({ port: 0, authorizers: 3, dataPath: folder, logger: silentLogger });
    try {
      const { code, output } = await runStart({ PORT: '0', WECHAT_LOCAL_DATA: folder });
      expect(code).toBe(1);
      expect(output).toContain(`error: the data folder ${folder} is already open in another local runtime`);
      expect(output).not.toMatch(stackTrace);
      const second = startLocalRuntime({ port: 0, authorizers: 3, dataPath: folder, logger: silentLogger });
      await expect(second).rejects.toBeInstanceOf(LocalStartError);
      await expect(second).rejects.toMatchObject({ problem: 'data_folder_in_use' });
      // The runtime that has the folder is untouched: it still serves.
      expect((await fetch(`${runtime.apiUrl}/authorizers?limit=1`)).status).toBe(200);
    } finally {
      await runtime.close();
      await rm(folder, { recursive: true, force: true });
    }
  }, 40_000);
  it('two runtimes started at once on one data folder: one serves, the other says so (no "Database is closed")', async () => {
    // A check that opened the folder and closed it again let both pass it, and the runtime whose dynalite
    // lost the race crashed with dynalite's stack trace (2 rounds of 3 before the claim was held).
    for (let round = 0; round < 3; round++) {
      const folder = await mkdtemp(join(tmpdir(), 'wechat-local-race-'));
      try {
        // Each runtime is stopped only once both have answered (ready, or exited): one stopped on its
        // `ready` would free the folder, and a second started later (a loaded machine) would rightly serve.
        let release = (): void => undefined;
        const bothSettled = new Promise<void>((resolve) => {
          release = resolve;
        });
        let settled = 0;
        const settle = () => {
          settled += 1;
          if (settled === 2) release();
        };
        const [first, second] = await Promise.all([
          runUntilReady(folder, 'SIGINT', { hold: bothSettled, settled: settle }),
          runUntilReady(folder, 'SIGINT', { hold: bothSettled, settled: settle }),
        ]);
        const outcomes = [first, second].sort((a, b) => Number(a.ready) - Number(b.ready));
        const [refused, serving] = outcomes;
        expect(serving?.ready).toBe(true);
        expect(refused?.ready).toBe(false);
        expect(refused?.code).toBe(1);
        expect(refused?.output).toContain(`error: the data folder ${folder} is already open in another local runtime`);
        expect(refused?.output).not.toContain('Database is closed');
        expect(refused?.output).not.toMatch(stackTrace);
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    }
  }, 90_000);

  it('a runtime killed outright leaves no stale claim: the folder is usable at once', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'wechat-local-killed-'));
    try {
      const killed = await runUntilReady(folder, 'SIGKILL');
      expect(killed.ready).toBe(true);
      const runtime = await startLocalRuntime({ port: 0, authorizers: 3, dataPath: folder, logger: silentLogger });
      await runtime.close();
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 40_000);

  it('a data folder that is a file: one line naming it, exit 1', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'wechat-local-file-'));
    try {
      const file = join(folder, 'not-a-folder');
      await writeFile(file, 'x');
      for (const dataPath of [file, join(file, 'below')]) {
        const { code, output } = await runStart({ PORT: '0', WECHAT_LOCAL_DATA: dataPath });
        expect(code).toBe(1);
        expect(output).toContain(
          `error: the data folder ${dataPath} cannot be used (it, or a folder above it, is a file)`,
        );
        expect(output).not.toMatch(stackTrace);
      }
      await expect(
        startLocalRuntime({ port: 0, authorizers: 3, dataPath: file, logger: silentLogger }),
      ).rejects.toMatchObject({ problem: 'data_folder_unusable' });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 40_000);

  it('a port out of range: the setting is refused (exit 2), not a RangeError from listen', async () => {
    const { code, output } = await runStart({ PORT: '65536' });
    expect(code).toBe(2);
    expect(output).toContain('PORT must be a whole number from 0 to 65535, got "65536"');
    expect(output).not.toMatch(stackTrace);
    await expect(startLocalRuntime({ port: 70_000, authorizers: 0, logger: silentLogger })).rejects.toBeInstanceOf(
      LocalSettingError,
    );
  }, 40_000);

  /**
   * Runs start.ts on `folder` until it says ready (then stops it with `signal`) or exits by itself: whether
   * it became ready, its exit code and everything it printed.
   */
  async function runUntilReady(
    folder: string,
    signal: NodeJS.Signals = 'SIGINT',
    race?: { readonly hold: Promise<void>; readonly settled: () => void },
  ): Promise<{ ready: boolean; code: number | null; output: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
      cwd: root,
      env: { ...process.env, PORT: '0', WECHAT_SIM_AUTHORIZERS: '3', WECHAT_LOCAL_DATA: folder },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let ready = false;
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString();
      if (!ready && output.includes('ready: API at')) {
        ready = true;
        if (race) {
          race.settled();
          void race.hold.then(() => child.kill(signal));
        } else child.kill(signal);
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    if (race && !ready) race.settled();
    clearTimeout(timer);
    return { ready, code, output };
  }
});
