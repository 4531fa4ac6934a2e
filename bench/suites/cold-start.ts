import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTable, LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamo.js';
import { SETTINGS } from '../../shared/config/index.js';
import { SERVICE_NAME } from '../../shared/logger.js';
import { createDocumentClient } from '../../shared/store/index.js';
import { tokenEvent } from '../../test/fixtures/api-gateway.js';
import { startDynaliteProcess } from '../../test/support/dynalite-process.js';
import type { BenchRow } from '../harness.js';
import { type Bundle, bundleLambda } from '../support/bundle.js';
import { type ColdStart, coldStartRunner } from '../support/cold-start-process.js';
import { seedFreshAuthorizer } from '../support/fresh-authorizer.js';
import { median } from '../support/latency.js';

const SAMPLES = Number(process.env['BENCH_COLD_START_SAMPLES'] ?? 15);
const TABLE = 'bench-cold-start';
const FUNCTIONS = ['getter', 'refresh', 'sync', 'callback'] as const;
const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A Lambda's cold start, as far as our code decides it: a fresh node loads the bundled getter and serves
 * its first request (a fresh token), against a minimal bundled handler that does one GetItem, both built
 * with the stack's bundling options and run with the stack's NODE_OPTIONS. Plus each function's bundle size.
 */
export async function coldStartSuite(): Promise<BenchRow[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-cold-start-'));
  const dynamo = await startDynaliteProcess();
  const doc = createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: dynamo.endpoint });
  try {
    await createTable(dynamo.endpoint, TABLE);
    const authorizer = await seedFreshAuthorizer(doc, TABLE, {
      appId: 'wxbenchcoldstart01',
      validForMs: 2 * 60 * 60_000,
    });
    const [minimal, ...functions] = await Promise.all([
      bundleLambda(path.join(root, 'bench/support/minimal-getitem-handler.ts'), path.join(dir, 'minimal')),
      ...FUNCTIONS.map((name) => bundleLambda(path.join(root, 'functions', name, 'handler.ts'), path.join(dir, name))),
    ]);
    const getter = functions[0];
    if (!minimal || !getter) throw new Error('a bundle is missing');

    const coldStart = await coldStartRunner(dir, {
      // What the stack sets (infra/construct.ts) and what Lambda itself sets, with fake credentials.
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      [SETTINGS.componentAppId.env]: 'wxbenchcomponent01',
      [SETTINGS.tableName.env]: TABLE,
      [SETTINGS.secretId.env]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-AbCdEf',
      [SETTINGS.dynamoEndpoint.env]: dynamo.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_LAMBDA_FUNCTION_NAME: 'bench-cold-start',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      HOME: dir,
      // The token route must not read the secret: every Secrets Manager call is refused at once, and the
      // getter's answer would then not be the 200 asserted below.
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9',
      // Lambda runs Node 22, where the SDK has no such warning; here it would be the only line printed.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      BENCH_GET_PK: authorizer.key.pk,
    });
    const event = tokenEvent(authorizer.appId);
    const getterStart = async () => {
      const result = await coldStart(getter.file, event);
      const body = JSON.parse(result.body) as { authorizer_access_token?: string };
      if (result.statusCode !== 200 || body.authorizer_access_token !== authorizer.accessToken) {
        throw new Error(`the bundled getter answered ${result.statusCode}: ${result.body}`);
      }
      return result;
    };
    const minimalStart = async () => {
      const result = await coldStart(minimal.file, event);
      if (result.statusCode !== 200) throw new Error(`the minimal handler answered ${result.statusCode}`);
      return result;
    };

    // One of each first, not counted: it pulls the bundles into the page cache.
    await getterStart();
    await minimalStart();
    const measured: ColdStart[] = [];
    const baseline: ColdStart[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      if (i % 2 === 0) {
        measured.push(await getterStart());
        baseline.push(await minimalStart());
      } else {
        baseline.push(await minimalStart());
        measured.push(await getterStart());
      }
    }

    const of = (samples: ColdStart[], key: 'importMs' | 'totalMs') => median(samples.map((sample) => sample[key]));
    const kb = (bundle: Bundle) => bundle.bytes / 1024;
    const minimalSize = { label: 'minimal GetItem handler', value: kb(minimal), unit: 'KB' };
    return [
      {
        name: `cold start: import + first request, bundled getter (median of ${SAMPLES} fresh processes)`,
        measured: { label: 'bundled getter', value: of(measured, 'totalMs'), unit: 'ms' },
        baseline: { label: 'minimal bundled GetItem handler', value: of(baseline, 'totalMs'), unit: 'ms' },
        goal: '≤ 1.3×',
      },
      {
        name: 'cold start: of which import alone',
        measured: { label: 'bundled getter', value: of(measured, 'importMs'), unit: 'ms' },
        baseline: { label: 'minimal bundled GetItem handler', value: of(baseline, 'importMs'), unit: 'ms' },
        goal: '—',
      },
      ...FUNCTIONS.map(
        (name, index): BenchRow => ({
          name: `bundle size: ${name} (minified, without source map)`,
          measured: { label: name, value: kb(functions[index] ?? minimal), unit: 'KB' },
          baseline: minimalSize,
          goal: '—',
        }),
      ),
    ];
  } finally {
    doc.destroy();
    await dynamo.close();
    await rm(dir, { recursive: true, force: true });
  }
}
