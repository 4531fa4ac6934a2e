import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalDynamo } from '../../infra/local/dynamo.js';
import { refreshDueAuthorizers } from '../../shared/refresh/index.js';
import { AuthorizerStore, allDueShards, dueShardsFrom, TABLE_SCHEMA, Table } from '../../shared/store/index.js';
import { AuthorizerRenewer, SCHEDULED } from '../../shared/tokens/index.js';
import { dyingStore, stepOf } from '../support/dying-stores.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { conformanceBackends, startBackend } from '../support/dynamo-backends.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

// The scheduled refresh's renewals of every due account (shared/refresh/due-renewals.ts): shards, the
// lease left by a crashed holder, 45009, one account's failure, the deadline.

describe.each(conformanceBackends())('the due renewals, on %s', (kind) => {
  let backend: LocalDynamo;
  let bed: Testbed;

  beforeAll(async () => {
    backend = await startBackend(kind);
  }, 60_000);
  afterAll(() => backend.close());
  beforeEach(async () => {
    bed = await startTestbed(backend);
    await bed.storeTicket();
  });
  afterEach(() => bed.close());

  const isValid = (appId: string, token: string) => bed.simulator.world.isAuthorizerTokenValid(appId, token);

  it('after a crash, the scheduled refresh takes over once the lease has expired', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const { authorizers, renewer, clock } = bed;
    const crashingStore = dyingStore(bed.doc, bed.tableName, { at: 'commit' });
    const crashing = new AuthorizerRenewer({
      store: crashingStore,
      client: bed.client,
      componentTokens: bed.componentTokens,
      clock,
    });
    await expect(crashing.renew(appId, SCHEDULED, { waitMs: 0 })).rejects.toThrow();

    // While the dead holder's lease lasts the account is not listed as due: taking it moved it to the lease's end.
    expect(await refreshDueAuthorizers({ store: authorizers, renewer, clock })).toMatchObject({ due: 0, renewed: 0 });
    clock.advance(61_000);
    expect(await refreshDueAuthorizers({ store: authorizers, renewer, clock })).toMatchObject({ due: 1, renewed: 1 });
    expect(isValid(appId, (await authorizers.get(appId))?.accessToken?.token.reveal() ?? '')).toBe(true);
  });

  it('overlapping scheduled runs start at different shards and share the due accounts: each renewed once', async () => {
    const appIds = await bed.seedAuthorizers(64);
    const starts = [0, 0.25, 0.5, 0.75];
    const summaries = await Promise.all(
      starts.map((start) =>
        refreshDueAuthorizers({
          store: bed.authorizers,
          renewer: bed.renewer,
          clock: bed.clock,
          concurrency: 2,
          random: () => start,
        }),
      ),
    );
    expect(summaries.reduce((sum, summary) => sum + summary.renewed, 0)).toBe(appIds.length);
    expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(appIds.length);
    // Each run also saw (and skipped) some another run had renewed or held, but far fewer than all of them.
    const looked = summaries.reduce((sum, summary) => sum + summary.due, 0);
    expect(looked).toBeLessThan(2 * appIds.length);
  });

  it('dueShardsFrom: every shard once, from the one asked for, wrapping around', () => {
    expect(dueShardsFrom(0)).toEqual(allDueShards());
    expect(dueShardsFrom(3).slice(0, 2)).toEqual(['03', '04']);
    expect(dueShardsFrom(TABLE_SCHEMA.dueShards + 1)).toEqual(dueShardsFrom(1));
    expect(dueShardsFrom(-1)[0]).toBe(String(TABLE_SCHEMA.dueShards - 1).padStart(2, '0'));
    expect(new Set(dueShardsFrom(7)).size).toBe(TABLE_SCHEMA.dueShards);
  });

  it('45009: the scheduled run stops at once and says so; the rest stay due', async () => {
    const appIds = await bed.seedAuthorizers(30);
    bed.simulator.faults.set({ dailyQuota: { api_authorizer_token: 3 } });
    const summary = await refreshDueAuthorizers({
      store: bed.authorizers,
      renewer: bed.renewer,
      clock: bed.clock,
      concurrency: 4,
    });
    expect(summary.stoppedForQuota).toBe(true);
    expect(summary.renewed).toBe(3);
    expect(summary.failed.quota).toBeGreaterThanOrEqual(1);
    // Once 45009 is seen no new renewal starts: at most the ones already in flight also spend a call.
    expect(bed.simulator.counters.calls('api_authorizer_token')).toBeLessThanOrEqual(3 + 4);
    expect(summary.due).toBeLessThan(appIds.length);
    expect(bed.metrics.total('QuotaExhausted')).toBe(summary.failed.quota);
    const stillDue: string[] = [];
    for await (const id of bed.authorizers.dueAppIds(bed.clock.now())) stillDue.push(id);
    expect(stillDue).toHaveLength(appIds.length - 3);
  });
});

describe('the due renewals, against faults', () => {
  const backend = useDynalite();
  let bed: Testbed;
  beforeEach(async () => {
    bed = await startTestbed(backend());
    await bed.storeTicket();
  });
  afterEach(() => bed.close());

  it('a DynamoDB error on one account does not end the scheduled run for the others', async () => {
    const appIds = await bed.seedAuthorizers(6);
    const broken = appIds[2] ?? '';
    class FlakyStore extends AuthorizerStore {
      override async write(...args: Parameters<AuthorizerStore['write']>) {
        if (args[0].appId === broken && stepOf(args[1]) === 'acquire')
          throw Object.assign(new Error('InternalServerError'), { name: 'InternalServerError' });
        return super.write(...args);
      }
    }
    const store = new FlakyStore(new Table(bed.doc, bed.tableName));
    const renewer = new AuthorizerRenewer({
      store,
      client: bed.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
    });
    const summary = await refreshDueAuthorizers({ store, renewer, clock: bed.clock });
    expect(summary).toMatchObject({ due: 6, renewed: 5, failed: { internal: 1 } });
  });

  it('a run past its deadline starts no renewal', async () => {
    await bed.seedAuthorizers(4);
    const summary = await refreshDueAuthorizers({
      store: bed.authorizers,
      renewer: bed.renewer,
      clock: bed.clock,
      deadline: bed.clock.now(),
    });
    expect(summary).toMatchObject({ due: 4, renewed: 0, skipped: { leftForNextRun: 4 } });
    expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(0);
  });
});
