import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import {
  parseWorldSnapshot,
  SIMULATOR_CREDENTIALS,
  SimClock,
  WechatSimulator,
  type WorldSnapshot,
  WorldSnapshotError,
} from '../../simulator/index.js';
import {
  readWorldSnapshot,
  SIMULATOR_STATE_FILE,
  WorldSnapshotSaver,
  writeWorldSnapshot,
} from '../../simulator/state-file.js';
import { clientFor } from '../support/simulated-wechat.js';
import { useSimulators } from './started.js';

const simulatorWith = useSimulators();
const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function folder(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'wechat-sim-state-'));
  folders.push(path);
  return path;
}

const GRACE_MS = 60_000;
const TTL_SECONDS = 600;
const COMPONENT_APPID = SIMULATOR_CREDENTIALS.componentAppId;
const OPTIONS = { graceMs: GRACE_MS, accessTokenTtlSeconds: TTL_SECONDS, rotateRefreshTokenOnRenewal: true } as const;

/**
 * A world with one of everything a snapshot must keep, on a frozen clock: an expired token, a superseded
 * token within its grace, a current one, a rotated refresh token whose predecessor is within its grace,
 * a live ticket, an unspent authorization code.
 */
async function busyWorld() {
  const simulator = await simulatorWith({ authorizers: 3, ...OPTIONS });
  const { world, clock } = simulator;
  const [a = '', b = ''] = world.population.listing().map((record) => record.appId);
  const componentToken = () => {
    const answer = world.componentToken({
      component_appid: COMPONENT_APPID,
      component_appsecret: SIMULATOR_CREDENTIALS.componentAppSecret,
      component_verify_ticket: ticket,
    });
    return String(answer['component_access_token']);
  };
  const renew = (appId: string, component: string) => {
    const answer = world.authorizerToken(component, {
      component_appid: COMPONENT_APPID,
      authorizer_appid: appId,
      authorizer_refresh_token: world.refreshTokenOf(appId),
    });
    return String(answer['authorizer_access_token']);
  };
  const ticket = world.issueTicket();
  const expired = renew(b, componentToken());
  clock.advance(TTL_SECONDS * 1000 + 1_000);
  const component = componentToken();
  const superseded = renew(a, component);
  const rotatedAway = world.refreshTokenOf(a) ?? '';
  clock.advance(10_000);
  const current = renew(a, component);
  const grant = world.authorize();
  return { simulator, a, b, ticket, component, expired, superseded, current, rotatedAway, grant };
}

/** A snapshot through JSON and back, as the state file carries it. */
function throughJson(snapshot: WorldSnapshot): WorldSnapshot {
  return parseWorldSnapshot(JSON.parse(JSON.stringify(snapshot)), COMPONENT_APPID);
}

const withoutWallClock = (snapshot: WorldSnapshot) => ({ ...snapshot, savedAt: { ...snapshot.savedAt, wall: 0 } });

describe('snapshot and restore', () => {
  it('a restored world judges every token as the original does, now and as the clock moves on', async () => {
    const before = await busyWorld();
    const { a, b, expired, superseded, current, rotatedAway } = before;
    const restored = await simulatorWith({ ...OPTIONS, restore: throughJson(before.simulator.snapshot()) });
    expect(restored.clock.now()).toBe(before.simulator.clock.now());
    expect(restored.world.population.listing().map((record) => record.appId)).toEqual(
      before.simulator.world.population.listing().map((record) => record.appId),
    );
    expect(withoutWallClock(restored.snapshot())).toEqual(withoutWallClock(before.simulator.snapshot()));

    const judge = (simulator: WechatSimulator) => ({
      expired: simulator.world.checkAuthorizerToken(expired),
      superseded: simulator.world.isAuthorizerTokenValid(a, superseded),
      supersededIsLatest: simulator.world.isLatestAuthorizerToken(a, superseded),
      current: simulator.world.isLatestAuthorizerToken(a, current),
      notOtherAccounts: simulator.world.isAuthorizerTokenValid(b, current),
      component: simulator.world.isLatestComponentToken(before.component),
      currentRefreshToken: simulator.world.refreshTokenOf(a),
      previousRefreshToken: simulator.world.acceptsRefreshToken(a, rotatedAway),
    });
    const now = judge(before.simulator);
    expect(now).toMatchObject({
      expired: { errcode: 42001 },
      superseded: true,
      supersededIsLatest: false,
      current: true,
      notOtherAccounts: false,
      component: true,
      previousRefreshToken: true,
    });
    expect(judge(restored)).toEqual(now);

    // Both graces (the superseded token's, the rotated refresh token's) end at the same moment on both worlds.
    for (const simulator of [before.simulator, restored]) simulator.clock.advance(GRACE_MS - 1);
    expect(judge(restored)).toEqual(judge(before.simulator));
    expect(judge(restored)).toMatchObject({ superseded: true, previousRefreshToken: true });
    for (const simulator of [before.simulator, restored]) simulator.clock.advance(1);
    expect(judge(restored)).toEqual(judge(before.simulator));
    expect(judge(restored)).toMatchObject({ superseded: false, previousRefreshToken: false, current: true });
    expect(restored.world.checkAuthorizerToken(superseded)).toMatchObject({ errcode: 40001 });
  });

  it('keeps tickets, authorization codes and the generator position; a restored token works over HTTP', async () => {
    const before = await busyWorld();
    const restored = await simulatorWith({ ...OPTIONS, restore: throughJson(before.simulator.snapshot()) });
    const body = { component_appid: COMPONENT_APPID };

    const viaTicket = restored.world.componentToken({
      ...body,
      component_appsecret: SIMULATOR_CREDENTIALS.componentAppSecret,
      component_verify_ticket: before.ticket,
    });
    expect(viaTicket).toHaveProperty('component_access_token');
    const exchanged = restored.world.queryAuth(before.component, {
      ...body,
      authorization_code: before.grant.authorizationCode,
    });
    expect(exchanged).toMatchObject({ authorization_info: { authorizer_appid: before.grant.appId } });
    expect(
      restored.world.queryAuth(before.component, { ...body, authorization_code: before.grant.authorizationCode }),
    ).toMatchObject({ errcode: 61009 });

    // What the original would issue next, the restored world issues next: no token is issued twice.
    const fresh = await simulatorWith({ ...OPTIONS, restore: throughJson(before.simulator.snapshot()) });
    expect(fresh.world.issueTicket()).toBe(before.simulator.world.issueTicket());

    const check = await fetch(
      `${restored.url}/cgi-bin/get_api_domain_ip?access_token=${encodeURIComponent(before.current)}`,
    );
    expect(await check.json()).toHaveProperty('ip_list');
    // The restored refresh token renews through the HTTP API, with the restored component token.
    const renewed = await clientFor(restored).getAuthorizerAccessToken(sensitive(before.component), {
      authorizerAppId: before.a,
      authorizerRefreshToken: sensitive(restored.world.refreshTokenOf(before.a) ?? ''),
    });
    expect(restored.world.isLatestAuthorizerToken(before.a, renewed.authorizerAccessToken.reveal())).toBe(true);
    expect(restored.world.isAuthorizerTokenValid(before.a, before.current)).toBe(true);
  });

  it('a running clock resumes with the real time that passed since the save; a clock behind the save is refused', async () => {
    const before = await busyWorld();
    const snapshot = before.simulator.snapshot();
    const resumed = SimClock.resume(
      { simulated: snapshot.savedAt.simulated, wall: Date.now() - 30_000 },
      { frozen: false },
    );
    expect(resumed.now()).toBeGreaterThanOrEqual(snapshot.savedAt.simulated + 30_000);
    await expect(
      WechatSimulator.start({
        ...OPTIONS,
        restore: snapshot,
        clock: new SimClock({ start: snapshot.savedAt.simulated - 1 }),
      }),
    ).rejects.toThrow(RangeError);
  });
});

describe('the state file', () => {
  it('is written whole (no temporary file left) and read back; a missing file is no state', async () => {
    const dir = await folder();
    const file = join(dir, SIMULATOR_STATE_FILE);
    expect(await readWorldSnapshot(file, COMPONENT_APPID)).toBeUndefined();
    const { simulator } = await busyWorld();
    await writeWorldSnapshot(file, simulator.snapshot());
    await writeWorldSnapshot(file, simulator.snapshot());
    expect(await readdir(dir)).toEqual([SIMULATOR_STATE_FILE]);
    expect(withoutWallClock((await readWorldSnapshot(file, COMPONENT_APPID)) ?? simulator.snapshot())).toEqual(
      withoutWallClock(simulator.snapshot()),
    );
  });

  it('refuses a corrupt, truncated, foreign or other-version file with a WorldSnapshotError saying which', async () => {
    const dir = await folder();
    const file = join(dir, SIMULATOR_STATE_FILE);
    const { simulator } = await busyWorld();
    const good = JSON.stringify(simulator.snapshot());
    const refusal = async (content: string, componentAppId: string = COMPONENT_APPID) => {
      await writeFile(file, content);
      const error = await readWorldSnapshot(file, componentAppId).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(WorldSnapshotError);
      return error as WorldSnapshotError;
    };
    const damaged = JSON.parse(good) as { population: Array<Record<string, unknown>> };
    const first = damaged.population[0];
    if (first) first['refreshToken'] = 5;

    expect((await refusal(good.slice(0, good.length / 2))).problem).toBe('unreadable');
    expect((await refusal('{not json')).problem).toBe('unreadable');
    expect((await refusal(JSON.stringify({ ...JSON.parse(good), version: 2 }))).problem).toBe('wrong_version');
    expect((await refusal(JSON.stringify({ ...JSON.parse(good), version: 2 }))).message).toContain('version 2');
    expect((await refusal('[]')).problem).toBe('wrong_format');
    expect((await refusal(JSON.stringify(damaged))).problem).toBe('corrupt');
    expect((await refusal(JSON.stringify(damaged))).message).toContain('population.0.refreshToken');
    expect((await refusal(good, 'wx0000000000000000')).problem).toBe('other_component');
    // No refusal reveals a token.
    expect((await refusal(JSON.stringify(damaged))).message).not.toMatch(/refreshtoken@@@|ticket@@@/);
  });

  it('the saver writes on a change only, and always when asked to save', async () => {
    const dir = await folder();
    const file = join(dir, SIMULATOR_STATE_FILE);
    const { simulator } = await busyWorld();
    const saver = new WorldSnapshotSaver(simulator, file);
    await saver.saveIfChanged();
    const first = await readFile(file, 'utf8');
    await rm(file);
    await saver.saveIfChanged();
    await expect(readFile(file, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    simulator.world.issueTicket();
    await saver.saveIfChanged();
    expect(await readFile(file, 'utf8')).not.toBe(first);
    await rm(file);
    await saver.save();
    expect(await readWorldSnapshot(file, COMPONENT_APPID)).toBeDefined();
  });
});
