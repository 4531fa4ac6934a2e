import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createGetter } from '../../functions/getter/getter.js';
import { createTable, LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamo.js';
import { localSecret, localServiceConfig } from '../../infra/local/local-config.js';
import { silentLogger } from '../../shared/logger.js';
import { createTokenService } from '../../shared/service.js';
import { createDocumentClient } from '../../shared/store/index.js';
import { tokenEvent } from '../../test/fixtures/api-gateway.js';
import { startDynaliteProcess } from '../../test/support/dynalite-process.js';
import type { BenchRow } from '../harness.js';
import { seedFreshAuthorizer } from '../support/fresh-authorizer.js';
import { latencies, percentile } from '../support/latency.js';

const REQUESTS = Number(process.env['BENCH_GETTER_REQUESTS'] ?? 10_000);
const CONCURRENCY = 16;
const ROUNDS = 5;
const TABLE = 'bench-getter';

/**
 * The getter's token route for a fresh token against the floor it stands on: one GetItem of the same
 * item on the same dynalite. Both sides run 10,000 requests from 16 looping workers, in 5 interleaved
 * rounds (the order alternating), and the percentiles are taken over all of each side's samples.
 */
export async function getterSuite(): Promise<BenchRow[]> {
  const dynamo = await startDynaliteProcess();
  // One client per side, configured alike (same endpoint, credentials, marshalling and the SDK's default
  // keep-alive agent), so that each keeps its own warm sockets and neither waits on the other's pool.
  const getterDoc = createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: dynamo.endpoint });
  const bareDoc = createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: dynamo.endpoint });
  try {
    await createTable(dynamo.endpoint, TABLE);
    // Two hours, as WeChat issues them: far beyond the getter's 5-minute margin for the whole run.
    const authorizer = await seedFreshAuthorizer(getterDoc, TABLE, {
      appId: 'wxbenchgetter00001',
      validForMs: 2 * 60 * 60_000,
    });
    const service = createTokenService({
      // No WeChat is reachable: were the getter to renew rather than serve, the answer would not be a 200.
      config: localServiceConfig({ tableName: TABLE, wechatApiBase: 'http://127.0.0.1:9' }),
      doc: getterDoc,
      secret: localSecret(),
    });
    const getter = createGetter(() => service, silentLogger);
    const event = tokenEvent(authorizer.appId);

    const viaGetter = async () => {
      const response = await getter(event);
      if (response.statusCode !== 200) throw new Error(`the getter answered ${response.statusCode}: ${response.body}`);
    };
    // Exactly the read the store makes (AuthorizerStore.get: strongly consistent by default).
    const bareGet = new GetCommand({ TableName: TABLE, Key: authorizer.key, ConsistentRead: true });
    const viaGetItem = async () => {
      const { Item } = await bareDoc.send(bareGet);
      if (Item === undefined) throw new Error('the bare GetItem found no item');
    };

    const first = JSON.parse((await getter(event)).body) as { authorizer_access_token?: string };
    if (first.authorizer_access_token !== authorizer.accessToken)
      throw new Error('the getter did not serve the seeded token');

    const load = { requests: Math.ceil(REQUESTS / ROUNDS), concurrency: CONCURRENCY };
    await latencies(viaGetItem, load);
    await latencies(viaGetter, load);
    const measured: number[] = [];
    const baseline: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const sides: Array<[() => Promise<void>, number[]]> = [
        [viaGetItem, baseline],
        [viaGetter, measured],
      ];
      if (round % 2 === 1) sides.reverse();
      for (const [request, samples] of sides) samples.push(...(await latencies(request, load)));
    }

    const label = `${measured.length.toLocaleString('en')} requests at concurrency ${CONCURRENCY}`;
    const row = (p: number): BenchRow => ({
      name: `getter: p${p} latency, fresh token (${label})`,
      measured: { label: 'getter handler', value: percentile(measured, p), unit: 'ms' },
      baseline: { label: 'bare GetItem, ConsistentRead', value: percentile(baseline, p), unit: 'ms' },
      goal: '≤ 1.2×',
    });
    return [row(50), row(99)];
  } finally {
    getterDoc.destroy();
    bareDoc.destroy();
    await dynamo.close();
  }
}
