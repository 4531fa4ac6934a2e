import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AuthorizerSnapshot, authorizerKey } from '../../shared/store/index.js';
import {
  informationPhase,
  latestCheckInstant,
  planInformationChecks,
  type SyncSummary,
  syncAuthorizers,
} from '../../shared/sync/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function snapshotOf(appId: string, hasInfo: boolean, status: AuthorizerSnapshot['status'] = 'active') {
  return { appId, status, hasInfo } as AuthorizerSnapshot;
}

const appIds = (count: number, prefix = 'wx') =>
  Array.from({ length: count }, (_, index) => `${prefix}${index.toString(16).padStart(16, '0')}`);

describe('the information checks a run plans', () => {
  it('over one refresh period of runs, whatever their times, asks every active account exactly once', () => {
    const accounts = appIds(2_000).map((appId) => snapshotOf(appId, true));
    const asked = new Map<string, number>();
    let cursor: number | undefined = 10 * DAY;
    // Irregular runs: hourly, a retry a minute later, a two-hour gap (a missed run), a recovery sync.
    let now = 10 * DAY;
    const steps = [HOUR, 60_000, HOUR - 60_000, 2 * HOUR, 13_000, HOUR - 13_000];
    for (let step = 0; now < 11 * DAY; step++) {
      now = Math.min(11 * DAY, now + (steps[step % steps.length] ?? HOUR));
      const plan = planInformationChecks(accounts, { now, checkedUpTo: cursor, periodMs: DAY, budget: 5_000 });
      for (const appId of plan.checks) asked.set(appId, (asked.get(appId) ?? 0) + 1);
      cursor = plan.cursor;
    }
    expect(asked.size).toBe(2_000);
    expect([...asked.values()].every((times) => times === 1)).toBe(true);
  });

  it('spreads the accounts evenly over the period: an hourly run asks about 1/24 of them', () => {
    const accounts = appIds(24_000).map((appId) => snapshotOf(appId, true));
    const plan = planInformationChecks(accounts, {
      now: 5 * DAY + HOUR,
      checkedUpTo: 5 * DAY,
      periodMs: DAY,
      budget: 5_000,
    });
    expect(plan.checks.length).toBeGreaterThan(800);
    expect(plan.checks.length).toBeLessThan(1_200);
    for (const appId of plan.checks) expect(latestCheckInstant(appId, DAY, 5 * DAY + HOUR)).toBeGreaterThan(5 * DAY);
    expect(informationPhase('wx0000000000000001', DAY)).toBe(informationPhase('wx0000000000000001', DAY));
  });

  it('a budget cut leaves the rest to the next run (the cursor stops before the first left), none twice', () => {
    const accounts = appIds(1_000).map((appId) => snapshotOf(appId, true));
    const first = planInformationChecks(accounts, { now: 3 * DAY, checkedUpTo: 2 * DAY, periodMs: DAY, budget: 300 });
    expect(first.checks).toHaveLength(300);
    expect(first.deferred).toBe(700);
    expect(first.cursor).toBeLessThan(3 * DAY);
    const second = planInformationChecks(accounts, {
      now: 3 * DAY + 1,
      checkedUpTo: first.cursor,
      periodMs: DAY,
      budget: 5_000,
    });
    expect(second.checks).toHaveLength(700);
    expect(new Set([...first.checks, ...second.checks]).size).toBe(1_000);
  });

  it('asks first the active accounts with no information, within half the budget when others are due; never an inactive one', () => {
    const without = appIds(50, 'wxa').map((appId) => snapshotOf(appId, false));
    const withInfo = appIds(1_000, 'wxb').map((appId) => snapshotOf(appId, true));
    const inactive = [
      snapshotOf('wxc000000000000001', false, 'revoked'),
      snapshotOf('wxc000000000000002', false, 'refresh_token_invalid'),
    ];
    const input = { now: 3 * DAY, checkedUpTo: undefined, periodMs: DAY, budget: 40 };
    const plan = planInformationChecks([...withInfo, ...without, ...inactive], input);
    expect(plan.checks).toHaveLength(40);
    expect(plan.checks.slice(0, 20).every((appId) => appId.startsWith('wxa'))).toBe(true);
    expect(plan.checks.slice(20).every((appId) => appId.startsWith('wxb'))).toBe(true);
    expect(plan.deferredWithout).toBe(30);
    // Nobody else due: the whole budget goes to them.
    const alone = planInformationChecks([...without, ...inactive], input);
    expect(alone.checks).toHaveLength(40);
    expect(alone.checks.every((appId) => appId.startsWith('wxa'))).toBe(true);
  });
});

describe('the sync keeps the accounts’ information fresh', () => {
  const backend = useDynalite();
  let bed: Testbed;
  afterEach(() => bed.close());
  beforeEach(async () => {
    bed = await startTestbed(backend(), { simulator: { authorizers: 240 } });
    await bed.storeTicket();
  });

  const infoCalls = () => bed.simulator.counters.calls('api_get_authorizer_info');
  const run = (checksPerRun = 5_000): Promise<SyncSummary> =>
    syncAuthorizers({
      componentAppId: bed.config.componentAppId,
      syncStore: bed.syncStore,
      client: bed.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
      accountInformation: { store: bed.authorizers, refreshMs: DAY, checksPerRun },
      logger: bed.logger,
      metrics: bed.metrics,
    });
  const listed = () => bed.simulator.world.population.listing().map((record) => record.appId);

  it('fetches it for accounts that have none, then asks each account once a day, writing nothing while it is unchanged', async () => {
    expect(await run()).toMatchObject({ added: 240, infoChecked: 0 }); // the snapshot was read before they came
    bed.clock.advance(HOUR);
    const filled = await run();
    expect(filled).toMatchObject({ infoChecked: 240, infoChanged: 240, infoFailed: 0 });
    const [first = ''] = listed();
    const world = bed.simulator.world.population.get(first);
    const detail = await bed.authorizers.detail(first);
    expect(detail?.kind).toBe(world?.kind);
    expect(detail?.funcInfo).toEqual(world?.funcInfo);
    expect(detail?.nickName).toMatch(/.+/);
    expect(detail?.accountInfo?.userName).toMatch(/^gh_/);
    const cursor = bed.clock.now();

    const writes = countAuthorizerWrites(bed.doc);
    let asked = 0;
    for (let hour = 1; hour <= 24; hour++) {
      bed.clock.advance(HOUR);
      await bed.storeTicket(); // WeChat pushes one every 10 minutes: the component token needs a fresh one
      // The schedule renews the tokens (else the sync puts overdue accounts back into the due index).
      writes.counting = false;
      await bed.service.runScheduledRefresh();
      writes.counting = true;
      const before = infoCalls();
      const summary = await run();
      const now = bed.clock.now();
      // Only the accounts whose check instant passed since the last run.
      const due = listed().filter(
        (appId) => latestCheckInstant(appId, DAY, now) > now - HOUR && latestCheckInstant(appId, DAY, now) > cursor,
      );
      expect(infoCalls() - before, `the calls of hour ${hour}`).toBe(due.length);
      expect(summary).toMatchObject({ infoChecked: due.length, infoChanged: 0, infoFailed: 0, unchanged: 240 });
      asked += due.length;
    }
    expect(asked, 'every account once in the day').toBe(240);
    expect(writes.count, 'nothing written for unchanged answers').toBe(0);
  }, 180_000);

  it('writes a change once, when the account is next due: its permission sets, infoChangedAt and revision', async () => {
    await run();
    bed.clock.advance(HOUR);
    await run();
    const [appId = ''] = listed();
    const record = bed.simulator.world.population.get(appId);
    if (!record) throw new Error('no such account');
    record.funcInfo = [...record.funcInfo, 41];
    const before = await bed.authorizers.get(appId);
    bed.clock.advance(DAY); // its check instant has passed once
    await bed.storeTicket();
    await bed.service.runScheduledRefresh();
    const revision = (await bed.doc.send(getRevision(bed, appId))).Item?.['revision'];
    const writes = countAuthorizerWrites(bed.doc);
    expect(await run()).toMatchObject({ infoChecked: 240, infoChanged: 1 });
    expect(writes.count).toBe(1);
    const after = await bed.authorizers.get(appId);
    expect(after?.funcInfo).toEqual([...(before?.funcInfo ?? []), 41].sort((a, b) => a - b));
    expect(after?.infoChangedAt).toBe(bed.clock.now());
    expect((await bed.doc.send(getRevision(bed, appId))).Item?.['revision']).toBe(Number(revision) + 1);
  });

  it('bounded per run: the rest waits for the next run; one account’s failure fails neither the sync nor the others', async () => {
    await run();
    bed.clock.advance(HOUR);
    bed.simulator.faults.failNext('api_get_authorizer_info', 61003, 1);
    const first = await run(100);
    expect(first).toMatchObject({
      complete: true,
      infoChecked: 100,
      infoChanged: 99,
      infoFailed: 1,
      infoDeferred: 140,
    });
    expect(bed.logger.lines.some((line) => line.includes('account information not refreshed'))).toBe(true);
    bed.clock.advance(HOUR);
    // The one that failed has still none: it is asked again, with the rest.
    expect(await run(5_000)).toMatchObject({ infoChanged: 141, infoFailed: 0 });
  });
});

/**
 * The writes that reach authorizer items while `counting` (the component's token and ticket, and the
 * schedule's renewals between the runs, are not counted).
 */
function countAuthorizerWrites(doc: Testbed['doc']): { count: number; counting: boolean } {
  const writes = { count: 0, counting: true };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: { pk?: string }; Item?: { pk?: string } };
      const pk = input.Key?.pk ?? input.Item?.pk ?? '';
      const write = /Put|Update|Delete|BatchWrite/.test(context.commandName ?? '');
      if (writes.counting && write && pk.startsWith(authorizerKey('').pk)) writes.count++;
      return next(args);
    },
    { step: 'initialize', name: 'countAccountWrites' },
  );
  return writes;
}

function getRevision(bed: Testbed, appId: string) {
  return new GetCommand({ TableName: bed.tableName, Key: authorizerKey(appId), ProjectionExpression: 'revision' });
}
