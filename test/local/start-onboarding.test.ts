import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

/** `npm start`'s onboarding setting (issue 15): ONBOARDING_RETURN_URLS, and the command it suggests. */

const root = fileURLToPath(new URL('../..', import.meta.url));

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', WECHAT_SIM_AUTHORIZERS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  return { child, output };
}

it('ONBOARDING_RETURN_URLS: the sessions may return there, and the suggested command onboards with it', async () => {
  const { child, output } = start({
    ONBOARDING_RETURN_URLS: ' http://localhost:8080/onboarded , https://app.example/back',
  });
  try {
    await expect.poll(() => output.text, { timeout: 30_000, interval: 50 }).toMatch(/ready: API at (http:\/\/\S+)/);
    const api = /ready: API at (http:\/\/127\.0\.0\.1:\d+)/.exec(output.text)?.[1] ?? '';
    const suggested = /curl -s -X POST \S+\/authorizations -d '([^']+)'/.exec(output.text)?.[1] ?? '';
    expect(JSON.parse(suggested)).toEqual({ kind: 'pc', return_url: 'http://localhost:8080/onboarded' });
    for (const [returnUrl, status] of [
      ['http://localhost:8080/onboarded/done', 201],
      ['https://app.example/back', 201],
      [`${api}/__local/onboarded`, 400],
    ] as const) {
      const answer = await fetch(`${api}/authorizations`, {
        method: 'POST',
        body: JSON.stringify({ kind: 'h5', return_url: returnUrl }),
      });
      expect(answer.status, returnUrl).toBe(status);
    }
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 60_000);

it('without it, the runtime’s own landing page is the return URL suggested and allowed', async () => {
  const { child, output } = start({ ONBOARDING_RETURN_URLS: '' });
  try {
    await expect.poll(() => output.text, { timeout: 30_000, interval: 50 }).toMatch(/ready: API at (http:\/\/\S+)/);
    const api = /ready: API at (http:\/\/127\.0\.0\.1:\d+)/.exec(output.text)?.[1] ?? '';
    const suggested = /curl -s -X POST \S+\/authorizations -d '([^']+)'/.exec(output.text)?.[1] ?? '';
    expect(JSON.parse(suggested)).toEqual({ kind: 'pc', return_url: `${api}/__local/onboarded` });
    const answer = await fetch(`${api}/authorizations`, { method: 'POST', body: suggested });
    expect(answer.status).toBe(201);
    child.kill('SIGINT');
    await once(child, 'exit');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 60_000);

it('an entry that is not an https (or loopback http) URL: one line, exit 2, before anything starts', async () => {
  const { child, output } = start({ ONBOARDING_RETURN_URLS: 'http://localhost:8080/ok,http://example.com/back' });
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(2);
  expect(output.text).toContain('ONBOARDING_RETURN_URLS must be comma-separated');
  expect(output.text).toContain('"http://example.com/back"');
  expect(output.text).not.toContain('ready:');
});
