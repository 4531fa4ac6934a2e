import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenEvent } from '../fixtures/api-gateway.js';
import { type ApiTestbed, startApiTestbed } from '../support/api-testbed.js';
import { type GetterHandler, SimulatedCallers } from '../support/day/callers.js';
import { useDynalite } from '../support/dynalite-fixture.js';

// The chaos day's callers (test/support/day/callers.ts) are its measurement of the product's promise: a
// harness that cannot see a dead token would report 0 whatever the product does. These tests serve it one.
describe('the simulated callers', () => {
  const backend = useDynalite();
  let bed: ApiTestbed;
  let appId: string;
  beforeEach(async () => {
    bed = await startApiTestbed(backend());
    await bed.storeTicket();
    [appId = ''] = await bed.seedAuthorizers(1);
  });
  afterEach(() => bed.close());

  const tokenOf = async (): Promise<string> => {
    const answer = await bed.getter(tokenEvent(appId));
    expect(answer.statusCode).toBe(200);
    return String((JSON.parse(answer.body) as Record<string, unknown>)['authorizer_access_token']);
  };

  it('counts a request made with a token the simulator has superseded, reports it, and uses the token handed back', async () => {
    const superseded = await tokenOf();
    await bed.killStoredToken(appId); // WeChat issued a newer token nobody stored, and its grace is over
    expect(bed.simulator.world.isAuthorizerTokenValid(appId, superseded)).toBe(false);
    // A getter that lies: it hands out the dead token and guarantees it for two hours.
    const lying: GetterHandler = async (event) =>
      event.routeKey === 'GET /authorizers/{appid}/token'
        ? {
            statusCode: 200,
            body: JSON.stringify({ authorizer_appid: appId, authorizer_access_token: superseded, expires_in: 7_200 }),
          }
        : bed.getter(event);
    const callers = new SimulatedCallers({ getter: lying, world: bed.simulator.world, clock: bed.clock, backends: 1 });

    await callers.use(0, appId);
    expect(callers.counts).toMatchObject({
      requests: 2,
      deadTokenRequests: 1,
      revokedTokenRequests: 0,
      reports: 1,
      getterCalls: 2,
      getterErrors: 0,
    });
    // The report renewed the dead token (the real refresh route); the client caches what it handed back.
    await callers.use(0, appId);
    expect(callers.counts).toMatchObject({ requests: 3, deadTokenRequests: 1, reports: 1, getterCalls: 2 });
  });

  it('counts nothing against an honest getter', async () => {
    const callers = new SimulatedCallers({
      getter: bed.getter,
      world: bed.simulator.world,
      clock: bed.clock,
      backends: 2,
    });
    for (let i = 0; i < 4; i++) await callers.use(i % 2, appId);
    expect(callers.counts).toMatchObject({ requests: 4, deadTokenRequests: 0, reports: 0, getterCalls: 2 });
  });

  it('does not count a token the account revoked as dead, while it is revoked', async () => {
    const callers = new SimulatedCallers({
      getter: bed.getter,
      world: bed.simulator.world,
      clock: bed.clock,
      backends: 1,
    });
    await callers.use(0, appId);
    bed.simulator.world.revoke(appId);
    await callers.use(0, appId);
    expect(callers.counts).toMatchObject({ requests: 2, deadTokenRequests: 0, revokedTokenRequests: 1, reports: 1 });
  });

  it('does not count a token the account revoked as dead after it authorized again either', async () => {
    const callers = new SimulatedCallers({
      getter: bed.getter,
      world: bed.simulator.world,
      clock: bed.clock,
      backends: 1,
    });
    await callers.use(0, appId);
    bed.simulator.world.revoke(appId);
    bed.simulator.world.authorize(appId);
    await callers.use(0, appId); // the cached token, killed by the revocation
    expect(callers.counts).toMatchObject({ deadTokenRequests: 0, revokedTokenRequests: 1, reports: 1 });
  });
});
