import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.js';
import { silentLogger } from '../../shared/logger.js';
import {
  checkAnswer,
  documentedErrors,
  type FuzzTargets,
  fuzzParameters,
  fuzzRequest,
} from '../support/getter-fuzz.js';
import { rawRequest } from '../support/getter-raw-http.js';

const A = 'wx0123456789abcdef';
const B = 'wxfedcba9876543210';
/** Runs of the server's property: one raw HTTP request each on loopback, about 1 ms; ~4 s on 2 cores. */
const RUNS = 3_000;

/**
 * Issue 14's getter property, through the local runtime over raw HTTP (each target byte for byte: no
 * client normalizes it): every path, query and body answers a status docs/api.md documents, never 5xx,
 * and never a token but that of the account in the canonical path the request was sent to (the
 * component token only at /component/token). FC_SEED=<seed> (and FC_PATH) replays a failure.
 */
describe('the local API, fuzzed over raw HTTP', () => {
  let runtime: LocalRuntime;
  let targets: FuzzTargets;
  beforeAll(async () => {
    runtime = await startLocalRuntime({
      port: 0,
      authorizers: 0,
      seedAppIds: [A, B],
      refreshEveryMs: 3_600_000,
      syncEveryMs: 3_600_000,
      logger: silentLogger,
    });
    const tokens: string[] = [];
    for (const [target, field] of [
      [`/authorizers/${A}/token`, 'authorizer_access_token'],
      [`/authorizers/${B}/token`, 'authorizer_access_token'],
      ['/component/token', 'component_access_token'],
    ] as const) {
      const answer = await rawRequest(runtime.apiUrl, { method: 'GET', target });
      tokens.push(String((JSON.parse(answer.body) as Record<string, unknown>)[field]));
    }
    targets = { appIds: [A, B], tokens };
  }, 30_000);
  afterAll(() => runtime.close());

  it(`any request, ${RUNS} runs`, async () => {
    const errors = documentedErrors();
    let served = 0;
    await fc.assert(
      fc.asyncProperty(fuzzRequest(targets), async (request) => {
        const target = request.query === '' ? request.path : `${request.path}?${request.query}`;
        // The local server reads bodies as text: a base64 body is a caller's text like any other here.
        const answer = await rawRequest(runtime.apiUrl, {
          method: request.method,
          target,
          ...(request.body.text === undefined ? {} : { body: request.body.text }),
        });
        if (answer.status === 200) served++;
        checkAnswer(answer, { rawPath: request.path, world: runtime.simulator.world, targets, errors, local: true });
      }),
      fuzzParameters(RUNS),
    );
    expect(served).toBeGreaterThan(RUNS / 100);
    console.log(`local API fuzz: ${RUNS} runs, ${served} answered 200`);
  }, 60_000);
});
