import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpApiEvent, tokenEvent } from '../fixtures/api-gateway.js';
import { type ApiTestbed, startApiTestbed } from '../support/api-testbed.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import {
  checkAnswer,
  documentedErrors,
  eventFor,
  type FuzzTargets,
  fuzzParameters,
  fuzzRequest,
} from '../support/getter-fuzz.js';

/** Runs of the handler's property: most are refused before any read, the rest read dynalite once; ~4 s on 2 cores. */
const RUNS = 10_000;

/**
 * Issue 14's getter property, on the handler: every kind of path, query and body, in events as API Gateway builds
 * them (the path as sent, or decoded as AWS hands it over) and as a confused router might (any path on
 * any route key, any path parameters, a named stage), answers a status docs/api.md documents, never
 * 5xx, and never a token of an account other than the one whose canonical path it was given.
 * FC_SEED=<seed> (and FC_PATH) replays a failure.
 */
describe('the getter, fuzzed: documented answers only, and only the route’s own token', () => {
  const backend = useDynalite();
  let bed: ApiTestbed;
  let targets: FuzzTargets;
  beforeAll(async () => {
    bed = await startApiTestbed(backend());
    await bed.storeTicket();
    const appIds = await bed.seedAuthorizers(2);
    const tokens: string[] = [];
    for (const appId of appIds) {
      const answer = JSON.parse((await bed.getter(tokenEvent(appId))).body) as { authorizer_access_token: string };
      tokens.push(answer.authorizer_access_token);
    }
    const component = await bed.getter(httpApiEvent({ routeKey: 'GET /component/token', rawPath: '/component/token' }));
    tokens.push((JSON.parse(component.body) as { component_access_token: string }).component_access_token);
    targets = { appIds, tokens };
  });
  afterAll(() => bed.close());

  it(`any request, ${RUNS} runs`, async () => {
    const errors = documentedErrors();
    // Read from docs/api.md's table: the codes the getter answers for a caller's mistakes are there, no 5xx.
    for (const documented of ['400 invalid_appid', '400 invalid_limit', '400 invalid_query', '413 body_too_large'])
      expect(errors).toContain(documented);
    expect([...errors].some((entry) => entry.startsWith('5'))).toBe(false);
    const routing = fc.oneof(
      fc.constantFrom({ kind: 'as_sent' as const }, { kind: 'decoded' as const }),
      fc.record({
        kind: fc.constant('confused' as const),
        routeKey: fc.nat(),
        appid: fc.option(fc.oneof(fc.constantFrom(...targets.appIds), fc.string({ maxLength: 20 })), {
          nil: undefined,
        }),
        stage: fc.constantFrom('$default', '$default', 'prod'),
      }),
    );
    let reached = 0;
    let served = 0;
    await fc.assert(
      fc.asyncProperty(fuzzRequest(targets), routing, async (request, how) => {
        const event = eventFor(request, how);
        if (!event) return; // API Gateway answers 404 itself: the getter never sees it
        reached++;
        const answer = await bed.getter(event);
        if (answer.statusCode === 200) served++;
        const stagePrefix = how.kind === 'confused' && how.stage !== '$default' ? `/${how.stage}` : '';
        checkAnswer(
          { status: answer.statusCode, body: answer.body },
          { rawPath: event.rawPath.slice(stagePrefix.length), world: bed.simulator.world, targets, errors },
        );
      }),
      fuzzParameters(RUNS),
    );
    // The property is worth something only if it reached the getter often and was served sometimes.
    expect(reached).toBeGreaterThan(RUNS / 3);
    expect(served).toBeGreaterThan(RUNS / 100);
    console.log(`getter fuzz: ${RUNS} runs, ${reached} reached the getter, ${served} answered 200`);
  }, 60_000);
});
