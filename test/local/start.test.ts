import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('npm start brings the simulator up, says ready with its URL, answers, and stops cleanly on SIGINT', async () => {
  // tsx directly rather than `npm start`, so that SIGINT reaches the runtime and not npm's wrapper.
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: root,
    env: { ...process.env, WECHAT_SIM_PORT: '0', WECHAT_SIM_AUTHORIZERS: '700' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await expect.poll(() => output, { timeout: 15_000, interval: 50 }).toMatch(/ready: .* at (http:\/\/127\.0\.0\.1:\d+)/);
    const url = /ready: .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
    const answer = await fetch(`${url}/cgi-bin/component/api_get_authorizer_list?access_token=bad`, {
      method: 'POST',
      body: JSON.stringify({ component_appid: 'wx5e1a0c0ffee0c0de', offset: 0, count: 1 }),
    });
    expect(await answer.json()).toMatchObject({ errcode: 40001 });
    expect(output).toContain('700 authorizers seeded');
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

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
