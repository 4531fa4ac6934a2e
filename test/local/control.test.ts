import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isControlPath } from '../../infra/local/control.js';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../infra/local/index.js';
import type { LocalStatus } from '../../infra/local/status.js';
import { ROUTES } from '../../shared/api/routes.js';
import type { Logger } from '../../shared/logger.js';

/** Issue 13: the local API's control routes, as a consumer's integration test uses them. */

const SEEDED = ['wxseed0000000001', 'wxseed0000000002'];
const RANDOM = 3;
const lines: string[] = [];
const record = (message: string) => void lines.push(message);
const logger: Logger = { debug: () => undefined, info: record, warn: record, error: record };
let runtime: LocalRuntime;

/** Schedules out of the way: only the startup runs and what a test asks for happen. */
const quiet = { syncEveryMs: 3_600_000, refreshEveryMs: 3_600_000, ticketEveryMs: 3_600_000 } as const;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, authorizers: RANDOM, seedAppIds: SEEDED, ...quiet, logger });
});
afterAll(() => runtime.close());

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${runtime.apiUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}
const status = async () => (await call('GET', '/__local/status')).body as LocalStatus;
async function token(appId: string): Promise<{ status: number; token?: string }> {
  const answer = await call('GET', `/authorizers/${appId}/token`);
  const value = (answer.body as { authorizer_access_token?: string }).authorizer_access_token;
  return value === undefined ? { status: answer.status } : { status: answer.status, token: value };
}
function acceptedFor(appId: string, value: string | undefined): boolean {
  return value !== undefined && runtime.simulator.world.isAuthorizerTokenValid(appId, value);
}

describe('seeding', () => {
  it('the seeded appids are authorized accounts, synced in at the start, and hand out tokens WeChat accepts', async () => {
    expect(lines).toContain(`seeded as authorized accounts: ${SEEDED.join(', ')}`);
    for (const appId of SEEDED) {
      expect(runtime.simulator.world.refreshTokenOf(appId)).toBeDefined();
      const answer = await token(appId);
      expect(answer.status).toBe(200);
      expect(acceptedFor(appId, answer.token)).toBe(true);
    }
    const first = (await status()).lastSync;
    expect(first?.result?.added).toBe(SEEDED.length + RANDOM);
  });

  it('a seeded appid that is not an appid stops the start', async () => {
    await expect(
      startLocalRuntime({ port: 0, authorizers: 0, seedAppIds: ['wx1*'], logger } as LocalRuntimeOptions),
    ).rejects.toMatchObject({ name: 'LocalSettingError', message: expect.stringContaining('"wx1*" is not an appid') });
  });
});

describe('GET /__local/status', () => {
  it('counts the accounts by status, says when the next renewal is due, how old the ticket is, and the last runs', async () => {
    await expect.poll(async () => (await status()).lastRefresh, { timeout: 20_000 }).not.toBeNull();
    const now = await status();
    expect(now.accounts).toMatchObject({ total: SEEDED.length + RANDOM, active: SEEDED.length + RANDOM, revoked: 0 });
    expect(Date.parse(now.nextDueRenewalAt ?? '')).toBeGreaterThan(Date.parse(now.now));
    expect(now.ticket?.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(now.ticket?.ageSeconds).toBeLessThan(600);
    expect(now.lastSync).toMatchObject({ aborted: false, result: { ran: true, complete: true } });
    expect(now.lastRefresh?.result?.summary.due).toBeGreaterThanOrEqual(0);
    expect(now.running).toEqual({ sync: false, refresh: false });
    // Never a secret: no token, refresh token or ticket value.
    const text = JSON.stringify(now);
    expect(text).not.toMatch(/refreshtoken@@@|ticket@@@|"authorizer_access_token"/);
  });
});

describe('POST /__sim/authorize and /__sim/revoke', () => {
  it('authorizes a new account: WeChat pushes `authorized` and the product serves its token', async () => {
    const answer = await call('POST', '/__sim/authorize', {});
    expect(answer).toMatchObject({ status: 200, body: { event: 'authorized', delivered: true } });
    const appId = (answer.body as { appid: string }).appid;
    const served = await token(appId);
    expect(served.status).toBe(200);
    expect(acceptedFor(appId, served.token)).toBe(true);
  });

  it('authorizes the appid given, and revokes it: the push reaches the callback and the token route says revoked', async () => {
    const appId = 'wxgiven0000000001';
    expect(await call('POST', '/__sim/authorize', { appid: appId })).toMatchObject({
      status: 200,
      body: { appid: appId, delivered: true },
    });
    expect((await token(appId)).status).toBe(200);
    expect(await call('POST', '/__sim/revoke', { appid: appId })).toMatchObject({
      status: 200,
      body: { appid: appId, event: 'unauthorized', delivered: true },
    });
    expect(await token(appId)).toEqual({ status: 410 });
    expect((await status()).accounts.revoked).toBe(1);
  });

  it.each([
    ['/__sim/authorize', { appid: 'wx1*' }, 400, 'invalid_appid'],
    ['/__sim/authorize', { appid: 42 }, 400, 'invalid_appid'],
    ['/__sim/revoke', {}, 400, 'invalid_appid'],
    ['/__sim/revoke', { appid: 'wxneverseen00001' }, 404, 'not_authorized'],
    ['/__sim/authorize', 'not json', 400, 'invalid_json'],
    ['/__sim/authorize', '[1]', 400, 'invalid_json'],
    ['/__sim/authorize', { appid: 'x'.repeat(20_000) }, 413, 'body_too_large'],
  ])('%s with a bad body: %i %s', async (path, body, code, error) => {
    expect(await call('POST', path, body)).toMatchObject({
      status: code,
      body: { error, message: expect.any(String) },
    });
  });
});

describe('POST /__sim/clock/advance, /__local/refresh and /__local/sync', () => {
  it('two hours on, the served token has expired for WeChat; the refresh renews every due token', async () => {
    const before = await token(SEEDED[0] ?? '');
    expect(acceptedFor(SEEDED[0] ?? '', before.token)).toBe(true);
    const advanced = await call('POST', '/__sim/clock/advance', { minutes: 125 });
    expect(advanced).toMatchObject({ status: 200, body: { advancedMs: 125 * 60_000, ticketPushed: true } });
    expect(acceptedFor(SEEDED[0] ?? '', before.token)).toBe(false);
    const due = await status();
    expect(due.clockAheadMs).toBeGreaterThan(124 * 60_000);
    expect(due.nextDueRenewalAt).toBe(due.now);

    const refreshed = await call('POST', '/__local/refresh');
    expect(refreshed.status).toBe(200);
    const { summary } = refreshed.body as { summary: { due: number; renewed: number } };
    expect(summary.renewed).toBeGreaterThanOrEqual(SEEDED.length + RANDOM);
    const after = await token(SEEDED[0] ?? '');
    expect(after.token).not.toBe(before.token);
    expect(acceptedFor(SEEDED[0] ?? '', after.token)).toBe(true);
    expect(Date.parse((await status()).nextDueRenewalAt ?? '')).toBeGreaterThan(Date.parse((await status()).now));
  });

  it('the sync runs now and answers its summary', async () => {
    runtime.simulator.world.authorize('wxlisted00000001'); // no push: only the sync can find it
    const answer = await call('POST', '/__local/sync');
    expect(answer).toMatchObject({ status: 200, body: { ran: true, complete: true, added: 1 } });
    expect((await status()).lastSync?.result?.added).toBe(1);
  });

  it.each([
    [{ seconds: 'ten' }, 'invalid_duration'],
    [{}, 'invalid_duration'],
    [{ seconds: -5 }, 'invalid_duration'],
    [{ seconds: 0 }, 'invalid_duration'],
    [{ seconds: 60, minutes: 1 }, 'invalid_duration'],
    [{ minutes: 10_000_000 }, 'invalid_duration'],
    [{ seconds: 0.0001 }, 'invalid_duration'], // rounds to no millisecond at all
  ])('advance with %j: 400 %s, and the clock does not move', async (body, error) => {
    const before = runtime.simulator.clock.now();
    expect(await call('POST', '/__sim/clock/advance', body)).toMatchObject({ status: 400, body: { error } });
    expect(runtime.simulator.clock.now() - before).toBeLessThan(5_000);
  });

  it('a number too large for a double (1e400 parses as Infinity) is refused naming it, not as null', async () => {
    const answer = await fetch(`${runtime.apiUrl}/__sim/clock/advance`, { method: 'POST', body: '{"seconds":1e400}' });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { message: string }).message).toContain('got Infinity');
  });
});

describe('routing', () => {
  it('HEAD on the status route answers as GET does, without a body', async () => {
    const answer = await fetch(`${runtime.apiUrl}/__local/status`, { method: 'HEAD' });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('');
  });

  it('an unknown control route is 404, a wrong method 405; product routes are never control routes', async () => {
    expect(await call('POST', '/__local/nope')).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(await call('GET', '/__sim/authorize')).toMatchObject({ status: 405, body: { error: 'method_not_allowed' } });
    expect(await call('GET', '/__local/sync')).toMatchObject({ status: 405 });
    for (const route of Object.values(ROUTES)) expect(isControlPath(route.path)).toBe(false);
    expect(isControlPath('/__simulator')).toBe(false);
    // The product's own 404 for what is neither.
    expect((await fetch(`${runtime.apiUrl}/__other`)).status).toBe(404);
  });
});
