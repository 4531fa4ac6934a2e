import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

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
    await expect.poll(() => output, { timeout: 30_000, interval: 50 }).toMatch(/ready: API at (http:\/\/127\.0\.0\.1:\d+)/);
    const api = /ready: API at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
    const wechat = /WeChat simulator at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
    expect(output).toContain('ticket pushed through');
    expect(output).toMatch(/sync: 700 added/);

    const list = (await (await fetch(`${api}/authorizers?limit=2`)).json()) as { authorizers: Array<{ authorizer_appid: string }> };
    const appId = list.authorizers[0]?.authorizer_appid ?? '';
    const token = (await (await fetch(`${api}/authorizers/${appId}/token`)).json()) as { authorizer_access_token: string; expires_in: number };
    expect(token.expires_in).toBeGreaterThan(7_000);
    // WeChat (the simulator) accepts the token as the account's own.
    const check = (await (await fetch(`${wechat}/cgi-bin/get_api_domain_ip?access_token=${encodeURIComponent(token.authorizer_access_token)}`)).json()) as Record<string, unknown>;
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
