import { afterEach, describe, expect, it } from 'vitest';
import { SyncStore, Table } from '../../shared/store/index.js';
import { type SyncSummary, syncAuthorizers } from '../../shared/sync/index.js';
import { WechatComponentClient } from '../../shared/wechat/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

// Issue 13: the sync's abort signal (Ctrl-C in the local runtime). Once aborted, no page is asked for
// and no account written; a run aborted before its listing was written is not a complete listing, so it
// neither records an absence nor revokes, and the two-listing revocation counts it as nothing.

/** A sync store that counts the writes started, and those started once the run was aborted. */
class WatchedSyncStore extends SyncStore {
  writes = 0;
  writesAfterAbort = 0;
  constructor(
    table: Table,
    private readonly controller: AbortController,
    /** The write (1-based) that aborts the run as it starts; never when 0. */
    private readonly abortAtWrite: number,
  ) {
    super(table);
  }
  #started(): void {
    if (this.controller.signal.aborted) this.writesAfterAbort++;
    this.writes++;
    if (this.writes === this.abortAtWrite) this.controller.abort();
  }
  override create(...args: Parameters<SyncStore['create']>) {
    this.#started();
    return super.create(...args);
  }
  override applyListed(...args: Parameters<SyncStore['applyListed']>) {
    this.#started();
    return super.applyListed(...args);
  }
  override clearAbsence(...args: Parameters<SyncStore['clearAbsence']>) {
    this.#started();
    return super.clearAbsence(...args);
  }
  override markAbsent(...args: Parameters<SyncStore['markAbsent']>) {
    this.#started();
    return super.markAbsent(...args);
  }
  override revoke(...args: Parameters<SyncStore['revoke']>) {
    this.#started();
    return super.revoke(...args);
  }
  override reindex(...args: Parameters<SyncStore['reindex']>) {
    this.#started();
    return super.reindex(...args);
  }
}

describe('an aborted sync', () => {
  const backend = useDynalite();
  let bed: Testbed;
  afterEach(() => bed.close());

  async function start(authorizers: number): Promise<void> {
    bed = await startTestbed(backend(), { simulator: { authorizers } });
    await bed.storeTicket();
  }
  /** One sync; `abortAtWrite` > 0 aborts it as that write starts. */
  async function run(
    options: {
      abortAtWrite?: number;
      controller?: AbortController;
      pageConcurrency?: number;
      client?: WechatComponentClient;
    } = {},
  ): Promise<{ summary: SyncSummary; store: WatchedSyncStore }> {
    bed.clock.advance(1_000); // what WeChat lists now was fetched after anything stored before
    const controller = options.controller ?? new AbortController();
    const store = new WatchedSyncStore(new Table(bed.doc, bed.tableName), controller, options.abortAtWrite ?? 0);
    const summary = await syncAuthorizers({
      componentAppId: bed.config.componentAppId,
      syncStore: store,
      client: options.client ?? bed.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
      pageConcurrency: options.pageConcurrency ?? 4,
      signal: controller.signal,
      logger: bed.logger,
      metrics: bed.metrics,
    });
    return { summary, store };
  }
  const storedCount = async () => (await bed.syncStore.snapshot()).size;

  it('starts no write once aborted: the accounts of pages already fetched are not written', async () => {
    await start(1_200);
    const { summary, store } = await run({ abortAtWrite: 20 });
    expect(store.writesAfterAbort).toBe(0);
    expect(store.writes).toBe(20);
    expect(summary).toMatchObject({ ran: true, complete: false, revoked: 0, markedAbsent: 0 });
    expect(summary.added).toBeLessThanOrEqual(20);
    expect(await storedCount()).toBe(summary.added);
    // The next run, not aborted, writes the rest.
    expect((await run()).summary).toMatchObject({ complete: true, added: 1_200 - summary.added });
  });

  it('asks for no page once aborted: the page in flight is cut at once, and nothing is written', async () => {
    await start(2_500); // 6 pages
    const controller = new AbortController();
    const { simulator } = bed;
    /** The second page takes WeChat 3 s; the run is aborted 100 ms into it. */
    let asked = 0;
    class SlowSecondPage extends WechatComponentClient {
      override getAuthorizerList(...args: Parameters<WechatComponentClient['getAuthorizerList']>) {
        if (++asked === 2) {
          simulator.faults.delayNext('api_get_authorizer_list', 3_000);
          setTimeout(() => controller.abort(), 100);
        }
        return super.getAuthorizerList(...args);
      }
    }
    const client = new SlowSecondPage({ componentAppId: bed.config.componentAppId, baseUrl: simulator.url });
    const began = performance.now();
    const { summary, store } = await run({ controller, pageConcurrency: 1, client });
    expect(performance.now() - began).toBeLessThan(2_000);
    expect(asked).toBe(2);
    expect(summary).toMatchObject({ complete: false, added: 0, pages: 1 });
    expect(store.writes).toBe(0);
    expect(await storedCount()).toBe(0);
    // Stopping is not a failure: no page is logged as failed.
    expect(bed.logger.lines.some((line) => line.includes('an authorizer list page failed'))).toBe(false);
  });

  it('never counts as a complete listing: it records no absence, and no revocation follows from it', async () => {
    await start(30);
    await run();
    const [gone = '', later = ''] = bed.simulator.world.population.listing().map((record) => record.appId);
    bed.simulator.world.revoke(gone);
    expect((await run()).summary).toMatchObject({ complete: true, markedAbsent: 1, revoked: 0 });

    // The aborted run: `gone` absent a second time, `later` a first time, five new accounts to write.
    bed.simulator.world.revoke(later);
    bed.simulator.world.seed(5);
    const aborted = await run({ abortAtWrite: 1 });
    expect(aborted.store.writesAfterAbort).toBe(0);
    expect(aborted.summary).toMatchObject({ complete: false, revoked: 0, markedAbsent: 0 });
    expect((await bed.syncStore.read(gone))?.status).toBe('active');
    expect((await bed.syncStore.read(later))?.absentSince).toBeUndefined();
    expect(bed.metrics.total('SyncCompleted')).toBe(2);

    // The next complete listing is the second to lack `gone` (the aborted one did not count) and the first to lack `later`.
    expect((await run()).summary).toMatchObject({
      complete: true,
      revoked: 1,
      markedAbsent: 1,
      added: 5 - aborted.summary.added,
    });
    expect((await bed.syncStore.read(gone))?.status).toBe('revoked');
    expect((await bed.syncStore.read(later))?.status).toBe('active');
  });
});
