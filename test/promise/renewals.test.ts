import { afterEach, describe, expect, it } from 'vitest';
import { createGetter } from '../../functions/getter/getter.js';
import { createRefresh } from '../../functions/refresh/refresh.js';
import { conformanceBackends, useBackend } from '../support/dynamo-backends.js';
import {
  gate,
  holdingFetch,
  interceptingDoc,
  MINUTE,
  otherInstance,
  Promises,
  realSleep,
  scheduledEvent,
  storedTokenWorks,
  supersedeOutOfBand,
  writesAccessToken,
} from '../support/promise-harness.js';
import { recordingLogger } from '../support/recording-logger.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

// Issue 11's scenarios about renewals, each as a caller meets it (see test/support/promise-harness.ts).

describe.each(conformanceBackends())('the promise, renewals, on %s', (kind) => {
  const backend = useBackend(kind);
  let bed: Testbed;
  afterEach(() => bed.close());

  async function start(
    options: Parameters<typeof startTestbed>[1] = {},
  ): Promise<{ appId: string; promises: Promises; refresh: ReturnType<typeof createRefresh> }> {
    bed = await startTestbed(backend(), options);
    await bed.storeTicket();
    const [appId = ''] = await bed.seedAuthorizers(1);
    const promises = new Promises(bed);
    expect((await promises.token(appId)).status).toBe(200);
    return { appId, promises, refresh: createRefresh(() => bed.service) };
  }

  it('1: two holders without an answer, minutes apart: the doubt of the later one is kept, and no token is handed out dead', async () => {
    const { appId, promises, refresh } = await start({ retryAttempts: 1 });
    promises.advance(7_200_000 - 15 * MINUTE, 60 * MINUTE);
    promises.forget(); // the scenario starts here: what was handed out before it is another scenario's (4)
    // Run 1's call is dropped before WeChat sees it.
    bed.simulator.faults.dropNext('api_authorizer_token');
    await refresh(scheduledEvent);
    promises.advance(2 * MINUTE + 30_000);
    // Run 2's call is stuck at WeChat past the client's timeout: WeChat acts on it 2.5 s (real) later.
    bed.simulator.faults.delayNext('api_authorizer_token', 2_500);
    await refresh(scheduledEvent);
    bed.clock.advance(1);
    expect((await promises.token(appId)).status).toBe(200); // a getter now: takes over, or serves what is guaranteed
    await realSleep(2_700); // run 2's request lands, superseding whatever was the latest token
    promises.check('after the stuck request landed');
    promises.advance(5 * MINUTE + 1_000);
    expect((await promises.token(appId)).status).toBe(200);
    promises.advance(30 * MINUTE, MINUTE);
    expect(await storedTokenWorks(bed, appId)).toBe(true);
  });

  it('2: an unanswered attempt, then a retry answered -1: the failure is uncertain, and the stuck request cannot leave a dead token served', async () => {
    const { appId, promises, refresh } = await start({ retryAttempts: 2 });
    promises.advance(7_200_000 - 15 * MINUTE, 60 * MINUTE);
    promises.forget(); // the scenario starts here: what was handed out before it is another scenario's (4)
    bed.simulator.faults.delayNext('api_authorizer_token', 2_500); // attempt 1: stuck past the 2 s timeout
    bed.simulator.faults.failNext('api_authorizer_token', -1); // attempt 2: answered -1
    await refresh(scheduledEvent);
    await realSleep(2_700); // the stuck attempt is acted on now: the stored token is superseded
    promises.check('after the stuck attempt landed');
    promises.advance(5 * MINUTE + 1_000);
    const answer = await promises.token(appId);
    expect(answer.status).toBe(200);
    promises.advance(20 * MINUTE, MINUTE);
  });

  it('2: the component token provider has the same fault fixed: a retry answered 45009 after a stuck attempt leaves no dead component token', async () => {
    const { promises } = await start({ retryAttempts: 2 });
    expect((await promises.componentToken()).status).toBe(200);
    promises.advance(7_200_000 - 10 * MINUTE, 60 * MINUTE);
    promises.forget(); // the scenario starts here: what was handed out before it is another scenario's (4)
    bed.simulator.faults.delayNext('api_component_token', 2_500);
    bed.simulator.faults.failNext('api_component_token', 45009);
    await promises.componentToken(); // the renewal fails; the stored token, still guaranteed, may be answered
    await realSleep(2_700);
    promises.check('after the stuck component request landed');
    promises.advance(5 * MINUTE + 1_000);
    expect((await promises.componentToken()).status).toBe(200);
    promises.advance(10 * MINUTE, MINUTE);
  });

  it('4: the expiry we advertise: a token is guaranteed until our own renewal plus the grace, and the caller may use it until then', async () => {
    const { appId, promises, refresh } = await start();
    expect((await promises.componentToken()).status).toBe(200);
    // The schedule runs every minute, as deployed; callers hold what they were given until its expiry.
    for (let minute = 0; minute < 130; minute++) {
      promises.advance(MINUTE, MINUTE);
      await refresh(scheduledEvent);
      if (minute % 10 === 0) {
        await promises.token(appId);
        await promises.componentToken();
      }
    }
    const advertised = (field: string) =>
      promises.answers.filter((answer) => field in answer.body).map((answer) => Number(answer.body['expires_in']));
    // At most: our renewal (15 minutes before WeChat's expiry; 10 for the component token) + 5 minutes' grace − 1 minute.
    expect(Math.max(...advertised('authorizer_access_token'))).toBeLessThanOrEqual(7_200 - 15 * 60 + 4 * 60);
    expect(Math.max(...advertised('component_access_token'))).toBeLessThanOrEqual(7_200 - 10 * 60 + 4 * 60);
  });

  it('6: a report of an older token while renewals fail answers the failure, never a token that has expired', async () => {
    const { appId, promises } = await start();
    const first = String(promises.answers[0]?.body['authorizer_access_token']);
    promises.advance(7_200_000 + 1_000, 60 * MINUTE); // past WeChat's expiry, with no renewal
    bed.simulator.faults.failNext('api_authorizer_token', -1, 9);
    const answer = await promises.report(appId, `${first}-older`);
    expect(answer.status).toBe(503);
    expect(answer.body['error']).toBe('wechat_unavailable');
  });

  it('7: a holder paused past its lease that calls WeChat late: the token it superseded is renewed by the schedule, not left dead', async () => {
    const { appId, promises, refresh } = await start();
    promises.advance(7_200_000 - 15 * MINUTE, 60 * MINUTE);
    promises.forget(); // the scenario starts here: what was handed out before it is another scenario's (4)
    const paused = gate();
    const a = otherInstance(bed, { fetch: holdingFetch('api_authorizer_token', paused.wait) });
    const pendingA = a.refresh(scheduledEvent);
    await paused.reached;
    bed.clock.advance(bed.config.leaseMs + 1_000); // A's lease is over; B takes over and commits T_B
    expect(await refresh(scheduledEvent)).toMatchObject({ summary: { renewed: 1 } });
    const served = await promises.token(appId);
    expect(served.status).toBe(200);
    paused.open(); // A's request reaches WeChat now and supersedes T_B; A's commit finds its lease lost
    await pendingA;
    promises.check('after the paused holder called');
    // Every minute the schedule runs: the stored token must never be one WeChat refuses.
    for (let minute = 0; minute < 12; minute++) {
      promises.advance(MINUTE, MINUTE);
      await refresh(scheduledEvent);
      expect(await storedTokenWorks(bed, appId), `the stored token works ${minute + 1} min after`).toBe(true);
    }
  });

  it('10: a component renewal that lost its lease advertises its own token only for what is guaranteed', async () => {
    const { promises } = await start();
    expect((await promises.componentToken()).status).toBe(200);
    promises.advance(7_200_000 - 10 * MINUTE, 60 * MINUTE);
    promises.forget(); // the scenario starts here: what was handed out before it is another scenario's (4)
    const paused = gate();
    const a = otherInstance(bed, { fetch: holdingFetch('api_component_token', paused.wait) });
    const pendingA = promises.componentToken(a.getter);
    await paused.reached;
    bed.clock.advance(bed.config.leaseMs + 1_000); // B takes over the component lease and renews
    expect((await promises.componentToken()).status).toBe(200);
    paused.open();
    const answerA = await pendingA;
    expect(answerA.status).toBe(200);
    expect(Number(answerA.body['expires_in'])).toBeLessThanOrEqual(4 * 60);
    promises.check('after the lost-lease renewal');
    promises.advance(10 * MINUTE, MINUTE);
    expect((await promises.componentToken()).status).toBe(200);
  });

  it('12: reports of a token WeChat still accepts renew nothing; reports of a dead one renew it once', async () => {
    const { appId, promises } = await start();
    const current = String(promises.answers[0]?.body['authorizer_access_token']);
    const renewals = () => bed.simulator.counters.forAuthorizer('api_authorizer_token', appId);
    const before = renewals();
    for (let i = 0; i < 8; i++)
      expect((await promises.report(appId, current)).body['authorizer_access_token']).toBe(current);
    expect(renewals()).toBe(before);
    await supersedeOutOfBand(bed, appId);
    bed.clock.advance(5 * MINUTE + 1_000); // the stored token is dead at WeChat now: killed behind our back, nobody told us
    const killed = renewals();
    const reports = await Promise.all(Array.from({ length: 8 }, () => promises.report(appId, current)));
    expect(reports.every((answer) => answer.status === 200 && answer.body['authorizer_access_token'] !== current)).toBe(
      true,
    );
    expect(renewals()).toBe(killed + 1);
  });

  it('13: two renewals in a row that die after WeChat answered: with the deployed schedule (every minute, 30 s lease) a working token is stored all along', async () => {
    const { appId, promises, refresh } = await start({ leaseMs: 30_000 });
    promises.advance(7_200_000 - 15 * MINUTE, 60 * MINUTE);
    promises.forget(); // the scenario starts here: what was handed out before it is another scenario's (4)
    for (let death = 0; death < 2; death++) {
      const dying = otherInstance(bed, {
        leaseMs: 30_000,
        doc: interceptingDoc(bed.doc, writesAccessToken, { fail: 'before' }),
      });
      await dying.refresh(scheduledEvent).catch(() => undefined);
      promises.advance(MINUTE, MINUTE);
      expect(await storedTokenWorks(bed, appId), `the stored token works after death ${death + 1}`).toBe(true);
    }
    for (let minute = 0; minute < 10; minute++) {
      await refresh(scheduledEvent);
      promises.advance(MINUTE, MINUTE);
      expect(await storedTokenWorks(bed, appId)).toBe(true);
      expect(
        (
          await promises.token(
            appId,
            createGetter(() => bed.service, recordingLogger(), { waitMs: 0 }),
          )
        ).status,
      ).toBe(200);
    }
  });
});
