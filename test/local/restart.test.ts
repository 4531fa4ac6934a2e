import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.js';
import type { Logger } from '../../shared/logger.js';
import { SIMULATOR_STATE_FILE } from '../../simulator/state-file.js';

/**
 * Issue 11, scenario 15, as a caller sees it: a local runtime restarted on the same WECHAT_LOCAL_DATA
 * folder hands out only tokens the (restarted) simulator accepts.
 */

const AUTHORIZERS = 6;
const folders: string[] = [];
const running: LocalRuntime[] = [];

afterEach(async () => {
  await Promise.allSettled(running.splice(0).map((runtime) => runtime.close()));
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function dataFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'wechat-local-data-'));
  folders.push(folder);
  return folder;
}

/** A runtime with a small population and schedules that stay out of the way (the startup runs still happen). */
async function start(dataPath: string, lines: string[] = []): Promise<LocalRuntime> {
  const record = (message: string) => void lines.push(message);
  const logger: Logger = { debug: () => undefined, info: record, warn: record, error: record };
  const runtime = await startLocalRuntime({
    port: 0,
    authorizers: AUTHORIZERS,
    dataPath,
    syncEveryMs: 3_600_000,
    refreshEveryMs: 3_600_000,
    ticketEveryMs: 3_600_000,
    logger,
  });
  running.push(runtime);
  return runtime;
}

async function stop(runtime: LocalRuntime): Promise<void> {
  running.splice(running.indexOf(runtime), 1);
  await runtime.close();
}

interface TokenAnswer {
  readonly status: number;
  readonly token?: string;
}

async function tokenOf(runtime: LocalRuntime, appId: string): Promise<TokenAnswer> {
  const response = await fetch(`${runtime.apiUrl}/authorizers/${appId}/token`);
  const body = (await response.json()) as { authorizer_access_token?: string };
  return body.authorizer_access_token === undefined
    ? { status: response.status }
    : { status: response.status, token: body.authorizer_access_token };
}

async function appIdsOf(runtime: LocalRuntime): Promise<string[]> {
  const response = await fetch(`${runtime.apiUrl}/authorizers?limit=100`);
  const body = (await response.json()) as { authorizers: Array<{ authorizer_appid: string }> };
  return body.authorizers.map((authorizer) => authorizer.authorizer_appid);
}

/**
 * Every account's token as the API hands it out now: each one works at the simulator, or is refused
 * (503), never a dead one; and with WeChat answering, every account is served.
 */
async function expectOnlyWorkingTokens(runtime: LocalRuntime): Promise<void> {
  const appIds = await appIdsOf(runtime);
  expect(appIds).toHaveLength(AUTHORIZERS);
  let served = 0;
  for (const appId of appIds) {
    const answer = await tokenOf(runtime, appId);
    if (answer.token === undefined) expect(answer.status).toBe(503);
    else
      expect({ appId, valid: runtime.simulator.world.isAuthorizerTokenValid(appId, answer.token) }).toEqual({
        appId,
        valid: true,
      });
    if (answer.token !== undefined) served++;
  }
  expect(served).toBe(AUTHORIZERS);
  const component = await fetch(`${runtime.apiUrl}/component/token`);
  const body = (await component.json()) as { component_access_token?: string };
  if (body.component_access_token === undefined) expect(component.status).toBe(503);
  else expect(runtime.simulator.world.isComponentTokenValid(body.component_access_token)).toBe(true);
}

describe('a local runtime restarted on the same data folder (issue 11, scenario 15)', () => {
  it('serves, after a restart, the very token it served before, and the restarted simulator accepts it', async () => {
    const folder = await dataFolder();
    const first = await start(folder);
    const [appId = ''] = await appIdsOf(first);
    const before = await tokenOf(first, appId);
    expect(before.status).toBe(200);
    await stop(first);

    const second = await start(folder);
    const after = await tokenOf(second, appId);
    expect(after.status).toBe(200);
    expect(second.simulator.world.isAuthorizerTokenValid(appId, after.token ?? '')).toBe(true);
    // Kept, not renewed: the simulator's state came back with the data.
    expect(after.token).toBe(before.token);
    expect(second.simulator.counters.forAuthorizer('api_authorizer_token', appId)).toBe(0);
    await expectOnlyWorkingTokens(second);
  });

  it('with the simulator state deleted before the restart, hands out no token the new simulator refuses', async () => {
    const folder = await dataFolder();
    const first = await start(folder);
    const [appId = ''] = await appIdsOf(first);
    expect((await tokenOf(first, appId)).status).toBe(200);
    await stop(first);
    await rm(join(folder, SIMULATOR_STATE_FILE), { force: true });

    const lines: string[] = [];
    const second = await start(folder, lines);
    await expectOnlyWorkingTokens(second);
    expect(lines.filter((line) => /simulator state/.test(line) && /untrusted|removed/.test(line))).toHaveLength(1);
  });

  it('with a state saved before the last tokens were issued (a runtime killed between saves), distrusts what that state does not know', async () => {
    const folder = await dataFolder();
    const first = await start(folder);
    await stop(first);
    const stale = join(folder, 'stale-state.json');
    await copyFile(join(folder, SIMULATOR_STATE_FILE), stale);

    // In the second run WeChat lets every token it issued expire (its clock jumps two hours); a caller
    // reports one account's token refused, and the runtime renews it: the table now holds tokens (that
    // account's and the component's) the stale state never saw.
    const second = await start(folder);
    const [appId = ''] = await appIdsOf(second);
    const held = await tokenOf(second, appId);
    second.simulator.clock.advance(7_200_000 + 1_000);
    const renewed = await fetch(`${second.apiUrl}/authorizers/${appId}/token/refresh`, {
      method: 'POST',
      body: JSON.stringify({ invalid_token: held.token }),
    });
    expect(renewed.status).toBe(200);
    const newer = ((await renewed.json()) as { authorizer_access_token: string }).authorizer_access_token;
    expect(newer).not.toBe(held.token);
    expect(second.simulator.world.isAuthorizerTokenValid(appId, newer)).toBe(true);
    await stop(second);
    await copyFile(stale, join(folder, SIMULATOR_STATE_FILE));

    const lines: string[] = [];
    const third = await start(folder, lines);
    expect(third.simulator.world.isAuthorizerTokenValid(appId, newer)).toBe(false);
    await expectOnlyWorkingTokens(third);
    // Renewed by this run, not served as stored. (The restored generator is where the stale state left it,
    // so the renewal may well draw the very same token string the second run was issued.)
    expect(third.simulator.counters.forAuthorizer('api_authorizer_token', appId)).toBeGreaterThan(0);
    expect(
      lines.filter(
        (line) =>
          /simulator state/.test(line) &&
          /older than the table/.test(line) &&
          /1 authorizer and 1 component/.test(line),
      ),
    ).toHaveLength(1);
  });
});
