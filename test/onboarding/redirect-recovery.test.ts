import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CODE_OF_ANOTHER_SESSION,
  codeHash,
  EXCHANGE_BUDGET_MS,
  OnboardingRefusedError,
  SETTLE_READS,
} from '../../shared/onboarding/index.js';
import { OnboardingService } from '../../shared/onboarding-service.js';
import { sensitive } from '../../shared/sensitive.js';
import { Table } from '../../shared/store/index.js';
import { MAX_PAGE_OPENINGS } from '../../shared/store/items/onboarding-session.js';
import type { Write } from '../../shared/store/table.js';
import type { WechatComponentClient } from '../../shared/wechat/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { type OnboardingBed, preAuthCodeOf, RETURN_URL, startOnboardingBed } from './onboarding-bed.js';

// The redirect when something is lost (review of issue 15): WeChat's answer to the exchange, or the
// completion's write; the code claimed before the exchange; a code brought to another session; the
// exchange's budget; the cap on the page's openings.

describe('the redirect, recoverable', () => {
  const backend = useDynalite();
  let bed: OnboardingBed;
  beforeEach(async () => {
    bed = await startOnboardingBed(backend());
  });
  afterEach(() => bed.close());

  const request = { kind: 'pc' as const, authType: 3 as const, returnUrl: RETURN_URL, state: 's' };
  const landing = (appId: string) => `${RETURN_URL}?authorizer_appid=${appId}&state=s`;
  const redirectOf = (service: OnboardingService) => async (sessionId: string, code: string) => {
    const outcome = await service.completeByRedirect(sessionId, sensitive(code));
    return outcome.kind === 'landed' ? outcome.location : 'pending';
  };
  const redirect = (sessionId: string, code: string) => redirectOf(bed.onboarding)(sessionId, code);
  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!(error instanceof OnboardingRefusedError)) throw new Error(`expected a refusal, got ${String(error)}`);
    return error.refusal;
  };
  async function openedSession() {
    const created = await bed.onboarding.createSession(request);
    const link = (await bed.onboarding.openPage(created.sessionId)).reveal();
    return { ...created, preAuthCode: preAuthCodeOf(link) };
  }
  const push = (grant: { appId: string; authorizationCode: string }, preAuthCode: string) =>
    bed.pushes.handlePush(bed.authorizedPush({ ...grant, preAuthCode }));
  const queryAuths = () => bed.simulator.counters.calls('api_query_auth');

  it("WeChat's answer to the exchange lost: pending, not a failure; a reload waits for the push and lands", async () => {
    const session = await openedSession();
    const grant = bed.simulator.world.authorize();
    bed.simulator.faults.dropNext('api_query_auth', { afterProcessing: true });
    let waits = 0;
    bed.onSettle = async () => void waits++;
    expect(await redirect(session.sessionId, grant.authorizationCode)).toBe('pending');
    expect(waits).toBe(SETTLE_READS - 1);
    // The reload: its exchange finds the code spent, but the session claimed it, so it waits for the push.
    bed.onSettle = async () => {
      if (++waits === SETTLE_READS + 1) await push(grant, session.preAuthCode);
    };
    expect(await redirect(session.sessionId, grant.authorizationCode)).toBe(landing(grant.appId));
    expect((await bed.sessions.get(session.sessionId))?.completion).toMatchObject({
      appId: grant.appId,
      completedBy: 'push',
    });
    expect(bed.logger.lines.join('\n')).toContain('onboarding exchange unanswered; the push completes the session');
  });

  it('the completion write failing: retried within the request; given up, pending, and the push completes it', async () => {
    let failures = 2;
    class CompletionsFail extends Table {
      override apply(write: Write) {
        if (write.update.set?.['completedAt'] !== undefined && failures-- > 0)
          return Promise.reject(new Error('DynamoDB is throttling'));
        return super.apply(write);
      }
    }
    const flaky = new OnboardingService(
      { ...bed.parts, table: new CompletionsFail(bed.doc, bed.tableName) },
      { sleep: async () => undefined },
    );
    const first = await openedSession();
    const firstGrant = bed.simulator.world.authorize();
    expect(await redirectOf(flaky)(first.sessionId, firstGrant.authorizationCode)).toBe(landing(firstGrant.appId));
    expect((await bed.sessions.get(first.sessionId))?.completion?.completedBy).toBe('redirect');

    failures = 3;
    const second = await openedSession();
    const grant = bed.simulator.world.authorize();
    expect(await redirectOf(flaky)(second.sessionId, grant.authorizationCode)).toBe('pending');
    expect((await bed.parts.authorizers.get(grant.appId))?.status).toBe('active');
    expect(bed.logger.lines.join('\n')).toContain('onboarding completion not written; the push completes the session');
    // The reload (the code is spent now) is no refusal either; the push completes the session.
    expect(await redirect(second.sessionId, grant.authorizationCode)).toBe('pending');
    await push(grant, second.preAuthCode);
    expect(await redirect(second.sessionId, grant.authorizationCode)).toBe(landing(grant.appId));
  });

  it("a code of another session's authorization, brought to this session's callback: the push logs it as an error", async () => {
    const theirs = await openedSession();
    const mine = await openedSession();
    const grant = bed.simulator.world.authorize();
    // The holder of both sessions passes their authorization's code to the other session's callback.
    expect(await redirect(mine.sessionId, grant.authorizationCode)).toBe(landing(grant.appId));
    await push(grant, theirs.preAuthCode);
    const errors = bed.logger.lines.map((line) => JSON.parse(line)).filter((line) => line.level === 'error');
    expect(errors).toEqual([
      { level: 'error', message: CODE_OF_ANOTHER_SESSION, appId: grant.appId, otherSessionCompleted: true },
    ]);
    // WeChat's word wins for the session that minted the pre-auth code.
    expect((await bed.sessions.get(theirs.sessionId))?.completion?.completedBy).toBe('push');
  });

  it("once the push claimed a code for its session, another session's redirect with it is refused without calling WeChat", async () => {
    const theirs = await openedSession();
    const mine = await openedSession();
    const grant = bed.simulator.world.authorize();
    await push(grant, theirs.preAuthCode);
    const calls = queryAuths();
    expect(await refusal(bed.onboarding.completeByRedirect(mine.sessionId, sensitive(grant.authorizationCode)))).toBe(
      'code_spent',
    );
    expect(queryAuths()).toBe(calls);
    expect((await bed.sessions.get(mine.sessionId))?.completion).toBeUndefined();
    expect(await redirect(theirs.sessionId, grant.authorizationCode)).toBe(landing(grant.appId));
  });

  it("the exchange's WeChat calls end with the redirect's budget: a stuck information fetch does not hold the redirect", async () => {
    const session = await openedSession();
    const grant = bed.simulator.world.authorize();
    const controller = new AbortController();
    const budgets: number[] = [];
    // The budget runs out once api_query_auth has answered; api_get_authorizer_info would answer in a minute.
    const client = new Proxy(bed.parts.client, {
      get(target, property) {
        if (property === 'queryAuth')
          return async (...args: Parameters<WechatComponentClient['queryAuth']>) => {
            const answer = await target.queryAuth(...args);
            controller.abort();
            return answer;
          };
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const service = new OnboardingService(
      { ...bed.parts, client },
      {
        budget: (ms) => {
          budgets.push(ms);
          return controller.signal;
        },
      },
    );
    bed.simulator.faults.delayNext('api_get_authorizer_info', 60_000);
    expect(await redirectOf(service)(session.sessionId, grant.authorizationCode)).toBe(landing(grant.appId));
    expect(budgets).toEqual([EXCHANGE_BUDGET_MS]);
    expect(bed.logger.lines.join('\n')).toContain('account information not fetched after the exchange');
  });

  it('a forged code on an open session: one WeChat call, no wait; only a reload of the claimed code waits', async () => {
    const session = await openedSession();
    let waits = 0;
    bed.onSettle = async () => void waits++;
    const forged = sensitive('queryauthcode@@@forged');
    expect((await bed.onboarding.completeByRedirect(session.sessionId, forged)).kind).toBe('pending');
    expect(waits).toBe(0);
    expect(queryAuths()).toBe(1);
    await bed.onboarding.completeByRedirect(session.sessionId, forged);
    expect(waits).toBe(SETTLE_READS - 1);
    expect((await bed.sessions.get(session.sessionId))?.completion).toBeUndefined();
    // The claim is only a hash.
    expect(JSON.stringify(await bed.parts.table.get({ pk: `AUTHCODE#${codeHash(forged)}` }, true))).not.toContain(
      forged.reveal(),
    );
  });

  it(`the page opens ${MAX_PAGE_OPENINGS} times at most: then the refusal, and no more pre-auth codes`, async () => {
    const created = await bed.onboarding.createSession(request);
    for (let opening = 0; opening < MAX_PAGE_OPENINGS; opening++) await bed.onboarding.openPage(created.sessionId);
    expect(await refusal(bed.onboarding.openPage(created.sessionId))).toBe('page_openings_exhausted');
    expect(bed.simulator.counters.calls('api_create_preauthcode')).toBe(MAX_PAGE_OPENINGS);
    expect((await bed.sessions.get(created.sessionId))?.openings).toBe(MAX_PAGE_OPENINGS);
  });
});
