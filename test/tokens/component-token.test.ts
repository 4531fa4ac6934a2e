import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { ComponentTokenUnavailableError } from '../../shared/tokens/index.js';
import { WechatRejectedError, WechatTokenInvalidError } from '../../shared/wechat/index.js';
import { SIMULATOR_CREDENTIALS } from '../../simulator/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

const MINUTE = 60_000;

describe('the component access token', () => {
  const backend = useDynalite();
  let bed: Testbed;
  beforeEach(async () => {
    bed = await startTestbed(backend());
  });
  afterEach(() => bed.close());

  it('without a ticket: a typed error that says so, and a metric; WeChat is not called', async () => {
    const error = await bed.componentTokens.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComponentTokenUnavailableError);
    expect(error).toMatchObject({
      problem: 'no_ticket',
      message: expect.stringContaining('no component_verify_ticket'),
    });
    expect(bed.metrics.total('TicketMissing')).toBe(1);
    expect(bed.simulator.counters.calls('api_component_token')).toBe(0);
  });

  it('with a ticket older than 12 hours: a typed error that says so, and a metric', async () => {
    await bed.storeTicket();
    bed.clock.advance(12 * 60 * MINUTE + 1);
    await expect(bed.componentTokens.get()).rejects.toMatchObject({ problem: 'ticket_expired' });
    expect(bed.metrics.total('TicketExpired')).toBe(1);
    expect(bed.simulator.counters.calls('api_component_token')).toBe(0);
    // The lease was given back: a fresh ticket is used at once.
    await bed.storeTicket();
    await expect(bed.componentTokens.get()).resolves.toBeDefined();
  });

  it('with a ticket whose CreateTime is in the far future, stored 12 hours ago: expired too, not used', async () => {
    // Planted before the callback bounded CreateTime: its age counts from its storing (ticketAgeMs).
    await bed.component.saveTicket(SIMULATOR_CREDENTIALS.componentAppId, {
      ticket: sensitive('ticket@@@planted'),
      createTime: 9_999_999_999,
      now: bed.clock.now(),
    });
    bed.clock.advance(12 * 60 * MINUTE + 1);
    await expect(bed.componentTokens.get()).rejects.toMatchObject({ problem: 'ticket_expired' });
    expect(bed.metrics.total('TicketExpired')).toBe(1);
    expect(bed.simulator.counters.calls('api_component_token')).toBe(0);
  });

  it('is read through: renewed once, then served from the store until the margin', async () => {
    await bed.storeTicket();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => bed.componentTokens.get()));
    expect(new Set(tokens.map((token) => token.reveal())).size).toBe(1);
    expect(bed.simulator.counters.calls('api_component_token')).toBe(1);
    bed.clock.advance(7_200_000 - 10 * MINUTE - 1);
    const same = await bed.componentTokens.get();
    expect(same.equals(tokens[0] ?? sensitive(''))).toBe(true);
    bed.clock.advance(1);
    const renewed = await bed.componentTokens.get();
    expect(renewed.equals(same)).toBe(false);
    expect(bed.simulator.world.isComponentTokenValid(renewed.reveal())).toBe(true);
    expect(bed.simulator.counters.calls('api_component_token')).toBe(2);
    expect(bed.metrics.total('ComponentTokenRenewed')).toBe(2);
  });

  it('compare-and-renew: a failed token is renewed only while it is still the stored one', async () => {
    await bed.storeTicket();
    const first = await bed.componentTokens.get();
    const reports = await Promise.all(Array.from({ length: 30 }, () => bed.componentTokens.renewIfStill(first)));
    expect(new Set(reports.map((token) => token.reveal())).size).toBe(1);
    expect(reports[0]?.equals(first)).toBe(false);
    expect(bed.simulator.counters.calls('api_component_token')).toBe(2);
    // A late report of the old token changes nothing.
    expect((await bed.componentTokens.renewIfStill(first)).equals(reports[0] ?? first)).toBe(true);
    expect(bed.simulator.counters.calls('api_component_token')).toBe(2);
  });

  it('withToken: on 40001 renews once and retries the call once; a second refusal is the caller’s', async () => {
    await bed.storeTicket();
    const seen: string[] = [];
    const result = await bed.componentTokens.withToken(async (token) => {
      seen.push(token.reveal());
      if (seen.length === 1) throw new WechatTokenInvalidError('api_get_authorizer_list', 40001, 'invalid credential');
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(new Set(seen).size).toBe(2);
    let calls = 0;
    await expect(
      bed.componentTokens.withToken(async () => {
        calls++;
        throw new WechatTokenInvalidError('api_get_authorizer_list', 42001, 'expired');
      }),
    ).rejects.toBeInstanceOf(WechatTokenInvalidError);
    expect(calls).toBe(2);
  });

  it('a renewal whose answer was lost puts the stored token in doubt: handed out while guaranteed, renewed once the doubt is over', async () => {
    await bed.storeTicket();
    const first = await bed.componentTokens.get();
    bed.clock.advance(7_200_000 - 10 * MINUTE); // due
    bed.simulator.faults.dropNext('api_component_token', { afterProcessing: true, times: 3 });
    // WeChat issued a token we never saw; the stored one still works for 5 minutes after that, and is used.
    expect((await bed.componentTokens.get()).equals(first)).toBe(true);
    const record = await bed.component.get(SIMULATOR_CREDENTIALS.componentAppId);
    expect(record?.lease).toBeUndefined();
    expect(record?.doubt?.until).toBeGreaterThan(bed.clock.now());
    expect(record?.refreshAt).toBe((record?.doubt?.until ?? 0) + 1);
    bed.clock.advance(61_000); // the dropped requests can no longer be acted on: renewed now, cleanly
    const next = await bed.componentTokens.get();
    expect(next.equals(first)).toBe(false);
    expect(bed.simulator.world.isComponentTokenValid(next.reveal())).toBe(true);
    expect((await bed.component.get(SIMULATOR_CREDENTIALS.componentAppId))?.doubt).toBeUndefined();
  });

  it("WeChat's own refusal (a wrong secret) is passed on typed, and the lease is given back", async () => {
    await bed.storeTicket();
    bed.simulator.faults.failNext('api_component_token', 40125);
    await expect(bed.componentTokens.get()).rejects.toBeInstanceOf(WechatRejectedError);
    expect((await bed.component.get(SIMULATOR_CREDENTIALS.componentAppId))?.lease).toBeUndefined();
    await expect(bed.componentTokens.get()).resolves.toBeDefined();
  });
});
