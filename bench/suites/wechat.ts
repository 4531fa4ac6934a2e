import { type Sensitive, sensitive } from '../../shared/sensitive.js';
import { WechatComponentClient } from '../../shared/wechat/index.js';
import { SIMULATOR_CREDENTIALS, WechatSimulator } from '../../simulator/index.js';
import { type BenchRow, medianMs, paired } from '../harness.js';

async function simulatorWithToken(
  authorizers: number,
): Promise<{ simulator: WechatSimulator; client: WechatComponentClient; token: Sensitive }> {
  const simulator = await WechatSimulator.start({ authorizers });
  const client = new WechatComponentClient({
    componentAppId: SIMULATOR_CREDENTIALS.componentAppId,
    baseUrl: simulator.url,
  });
  const { componentAccessToken } = await client.getComponentAccessToken({
    componentAppSecret: sensitive(SIMULATOR_CREDENTIALS.componentAppSecret),
    componentVerifyTicket: sensitive(simulator.world.issueTicket()),
  });
  return { simulator, client, token: componentAccessToken };
}

function rawListPage(simulator: WechatSimulator, token: Sensitive, offset: number): () => Promise<unknown> {
  const url = `${simulator.url}/cgi-bin/component/api_get_authorizer_list?access_token=${encodeURIComponent(token.reveal())}`;
  const body = JSON.stringify({ component_appid: SIMULATOR_CREDENTIALS.componentAppId, offset, count: 500 });
  return async () => (await fetch(url, { method: 'POST', body })).json();
}

/**
 * The client's cost over a bare fetch (validation, typed results, redaction), and the simulator's claim
 * to serve 100,000 authorizers as fast as 1,000: a last page, and seeding per authorizer.
 */
export async function wechatSuite(): Promise<BenchRow[]> {
  const small = await simulatorWithToken(1_000);
  const large = await simulatorWithToken(100_000);
  try {
    const options = { rounds: 11, batch: 20 };
    const client = await paired(
      () => medianMs(() => small.client.getAuthorizerList(small.token, { offset: 0, count: 500 }), options),
      () => medianMs(rawListPage(small.simulator, small.token, 0), options),
    );
    const scale = await paired(
      () => medianMs(rawListPage(large.simulator, large.token, 99_500), options),
      () => medianMs(rawListPage(small.simulator, small.token, 500), options),
    );
    const seeding = await paired(
      async () => seedMsPerAuthorizer(100_000),
      // 10,000, not 1,000: a population that small fits in the CPU caches and would flatter the baseline.
      async () => seedMsPerAuthorizer(10_000),
    );
    return [
      {
        name: 'client: a 500-authorizer page',
        measured: { label: 'getAuthorizerList', value: client.measured, unit: 'ms' },
        baseline: { label: 'bare fetch+JSON', value: client.baseline, unit: 'ms' },
        goal: '≤ 1.5×',
      },
      {
        name: 'simulator: last page of 100,000 vs of 1,000',
        measured: { label: '100k', value: scale.measured, unit: 'ms' },
        baseline: { label: '1k', value: scale.baseline, unit: 'ms' },
        goal: '≤ 1.2× (no slowdown)',
      },
      {
        name: 'simulator: seeding, per authorizer',
        measured: { label: '100k', value: seeding.measured * 1000, unit: 'µs' },
        baseline: { label: '10k', value: seeding.baseline * 1000, unit: 'µs' },
        goal: '≤ 1.5× (linear)',
      },
    ];
  } finally {
    await Promise.all([small.simulator.close(), large.simulator.close()]);
  }
}

async function seedMsPerAuthorizer(count: number): Promise<number> {
  const simulator = await WechatSimulator.start();
  try {
    const start = performance.now();
    simulator.world.seed(count);
    simulator.world.population.listing();
    return (performance.now() - start) / count;
  } finally {
    await simulator.close();
  }
}
