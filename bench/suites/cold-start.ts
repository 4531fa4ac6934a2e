import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTION_RUNTIME } from '../../infra/function.js';
import { lambdaEnvironment } from '../../infra/lambda-environment.js';
import { createTable, LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamo.js';
import { SETTINGS } from '../../shared/config/index.js';
import { createDocumentClient } from '../../shared/store/index.js';
import { tokenEvent } from '../../test/fixtures/api-gateway.js';
import { lambdaServiceVariables } from '../../test/support/deployed-bundles.js';
import { startDynaliteProcess } from '../../test/support/dynalite-process.js';
import { segmentNames, startFakeXrayDaemon } from '../../test/support/fake-xray-daemon.js';
import type { BenchRow } from '../harness.js';
import { type Bundle, bundleLambda } from '../support/bundle.js';
import { type ColdStart, coldStartRunner } from '../support/cold-start-process.js';
import { seedFreshAuthorizer } from '../support/fresh-authorizer.js';
import { median } from '../support/latency.js';

const SAMPLES = Number(process.env['BENCH_COLD_START_SAMPLES'] ?? 15);
const TABLE = 'bench-cold-start';
const REGION = 'us-east-1';
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:123456789012:secret:bench-AbCdEf`;
const FUNCTIONS = ['getter', 'refresh', 'sync', 'callback'] as const;
const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A Lambda's cold start, as far as our code decides it: a fresh node imports the getter's `index.mjs` and
 * serves its first request (a fresh token), against a minimal handler that does one GetItem, both built
 * with the deployed bundles' options (scripts/bundle-functions.ts) and run with the environment the stack
 * and the nodejs24.x runtime give a function, Tracer on. Plus each function's bundle size.
 */
export async function coldStartSuite(): Promise<BenchRow[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-cold-start-'));
  const dynamo = await startDynaliteProcess();
  // The functions are deployed with active tracing, so Tracer is on (AWS_EXECUTION_ENV is set) and sends
  // each invocation's segments over UDP: to a daemon on loopback here, as on Lambda, rather than
  // POWERTOOLS_TRACE_ENABLED=false, which would leave the X-Ray work of a cold start unmeasured.
  const xray = await startFakeXrayDaemon();
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

    // Lambda's own variables for the getter on the deployed runtime (memory as infra/construct.ts gives
    // it), then the stack's (infra/lambda-environment.ts: NODE_OPTIONS, POWERTOOLS_SERVICE_NAME, settings).
    const lambda = lambdaServiceVariables(
      {
        name: 'getter',
        assetDir: dir,
        handler: 'index.handler',
        runtime: FUNCTION_RUNTIME.name,
        memorySize: 512,
        timeoutSeconds: 29,
        variables: {},
      },
      REGION,
    );
    const coldStart = await coldStartRunner(dir, {
      ...lambda,
      ...lambdaEnvironment({ componentAppId: 'wxbenchcomponent01' }, { tableName: TABLE, secretArn: SECRET_ARN }),
      [SETTINGS.dynamoEndpoint.env]: dynamo.endpoint,
      AWS_XRAY_DAEMON_ADDRESS: xray.address,
      HOME: dir,
      // The token route must not read the secret: every Secrets Manager call is refused at once, and the
      // getter's answer would then not be the 200 asserted below.
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9',
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

    // Tracer was on: otherwise the getter measured is lighter than the one deployed.
    if (!segmentNames(xray.segments).includes('## index.handler')) {
      throw new Error('the bundled getter sent X-Ray no handler segment: Tracer was off');
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
    await xray.close();
    await rm(dir, { recursive: true, force: true });
  }
}
