import { createTable, LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamo.js';
import { localSecret, localServiceConfig } from '../../infra/local/local-config.js';
import { silentLogger } from '../../shared/logger.js';
import { sensitive } from '../../shared/sensitive.js';
import { TokenService, wireTokenService } from '../../shared/service.js';
import { createDocumentClient } from '../../shared/store/index.js';
import { fetchListing, pagesFor } from '../../shared/sync/index.js';
import { SIMULATOR_CREDENTIALS, WechatSimulator } from '../../simulator/index.js';
import { countAuthorizerWrites } from '../../test/support/count-writes.js';
import { startDynaliteProcess } from '../../test/support/dynalite-process.js';
import type { BenchRow } from '../harness.js';

const AUTHORIZERS = Number(process.env['BENCH_SYNC_AUTHORIZERS'] ?? 100_000);
const LATENCY_MS = 30;
const PAGE_CONCURRENCY = 4;

/**
 * The sync at scale: 100,000 authorizers behind a WeChat that takes 30 ms a call. A first sync (every
 * account created) and a second, unchanged one, against the paging floor: ceil(N/500) calls of 30 ms at
 * the chosen page concurrency. Plus the DynamoDB writes of the unchanged sync (goal 0).
 */
export async function syncSuite(): Promise<BenchRow[]> {
  const dynamo = await startDynaliteProcess();
  const simulator = await WechatSimulator.start({ authorizers: AUTHORIZERS });
  const doc = createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: dynamo.endpoint });
  try {
    await createTable(dynamo.endpoint, 'bench-sync');
    simulator.faults.set({ latencyMs: LATENCY_MS });
    const parts = wireTokenService({
      config: localServiceConfig({
        tableName: 'bench-sync',
        wechatApiBase: simulator.url,
        syncPageConcurrency: PAGE_CONCURRENCY,
      }),
      doc,
      secret: localSecret(),
      clock: simulator.clock,
    });
    const service = new TokenService(parts);
    await parts.component.saveTicket(SIMULATOR_CREDENTIALS.componentAppId, {
      ticket: sensitive(simulator.world.issueTicket()),
      createTime: Math.floor(simulator.clock.now() / 1000),
      now: simulator.clock.now(),
    });
    await service.componentToken();

    const sync = async () => {
      simulator.clock.advance(1_000);
      const start = performance.now();
      const summary = await service.sync();
      if (!summary.complete) throw new Error('the benchmark sync did not complete');
      return performance.now() - start;
    };
    const pagingOnly = async () => {
      const start = performance.now();
      await fetchListing({
        client: parts.client,
        componentTokens: parts.componentTokens,
        clock: simulator.clock,
        concurrency: PAGE_CONCURRENCY,
        logger: silentLogger,
      });
      return performance.now() - start;
    };

    const firstMs = await sync();
    const writes = countAuthorizerWrites(doc);
    const secondMs = await sync();
    const secondWrites = writes.count;
    const pagingMs = await pagingOnly();
    // The floor of the paging as it is done: pages overlap by one account (201 calls for 100,000), the
    // first alone (it gives total_count), the rest at the chosen concurrency.
    const calls = pagesFor(AUTHORIZERS);
    const floorMs = (1 + Math.ceil((calls - 1) / PAGE_CONCURRENCY)) * LATENCY_MS;
    const floor = {
      label: `floor (${calls} calls × ${LATENCY_MS} ms, 1 + ${calls - 1}/${PAGE_CONCURRENCY})`,
      value: floorMs / 1000,
      unit: 's',
    };
    const label = `${AUTHORIZERS.toLocaleString('en')} authorizers`;
    return [
      {
        name: `sync: first (${label}, all created)`,
        measured: { label: 'first sync', value: firstMs / 1000, unit: 's' },
        baseline: floor,
        goal: '— (write-bound: one conditional PutItem per account)',
      },
      {
        name: `sync: second, unchanged (${label})`,
        measured: { label: 'second sync', value: secondMs / 1000, unit: 's' },
        baseline: floor,
        goal: '≤ 1.5×',
      },
      {
        name: 'sync: paging alone, same run',
        measured: { label: 'paging only', value: pagingMs / 1000, unit: 's' },
        baseline: floor,
        goal: '—',
      },
      {
        name: 'sync: DynamoDB writes of the unchanged sync',
        measured: { label: 'writes', value: secondWrites, unit: '' },
        goal: '0',
      },
    ];
  } finally {
    doc.destroy();
    await simulator.close();
    await dynamo.close();
  }
}
