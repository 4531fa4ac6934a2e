import { beforeEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import type { ComponentStore, IssuedToken } from '../../shared/store/index.js';
import { SCHEDULED } from '../../shared/tokens/index.js';
import { acquireLease, commitStep, type HolderReport, transition } from '../../shared/tokens/renewal-protocol.js';
import { MAX_WECHAT_CLOCK_SKEW_MS } from '../../shared/wechat-time.js';
import { conformanceBackends } from '../support/dynamo-backends.js';
import { componentTokens } from '../support/renewal-harness.js';
import { issued, LEASE, LIFETIME, MARGIN, storesOn, T0 } from './store-fixture.js';

// The component store (its ticket, and its token leased like an authorizer's), on both backends.

describe.each(conformanceBackends())('component store on %s', (kind) => {
  const { current } = storesOn(kind);
  let component: ComponentStore;
  beforeEach(() => {
    ({ component } = current());
  });

  it('keeps the newest ticket by CreateTime, whatever order pushes arrive in', async () => {
    const id = 'wxcomponent000001';
    expect(await component.saveTicket(id, { ticket: sensitive('ticket-2'), createTime: 200, now: T0 })).toBe('stored');
    expect(await component.saveTicket(id, { ticket: sensitive('ticket-1'), createTime: 100, now: T0 + 1 })).toBe(
      'stale',
    );
    expect(await component.saveTicket(id, { ticket: sensitive('ticket-2'), createTime: 200, now: T0 + 2 })).toBe(
      'stale',
    );
    expect(await component.saveTicket(id, { ticket: sensitive('ticket-3'), createTime: 300, now: T0 + 3 })).toBe(
      'stored',
    );
    const record = await component.get(id);
    expect(record?.ticket?.ticket.reveal()).toBe('ticket-3');
    expect(record?.ticket).toMatchObject({ createTime: 300, receivedAt: T0 + 3 });
  });

  it('replaces a stored ticket from the far future (CreateTime 9999999999) with the next genuine one', async () => {
    // Planted before the callback bounded CreateTime, or by a forgery: every genuine ticket was "older".
    const id = 'wxcomponent000003';
    const nowSeconds = Math.floor(T0 / 1000);
    await component.saveTicket(id, { ticket: sensitive('planted'), createTime: 9_999_999_999, now: T0 - 3_600_000 });
    expect(await component.saveTicket(id, { ticket: sensitive('genuine'), createTime: nowSeconds, now: T0 })).toBe(
      'stored',
    );
    const record = await component.get(id);
    expect(record?.ticket?.ticket.reveal()).toBe('genuine');
    expect(record?.ticket).toMatchObject({ createTime: nowSeconds, receivedAt: T0 });
    // Healed: the order by CreateTime holds again from the genuine ticket on.
    expect(
      await component.saveTicket(id, { ticket: sensitive('older'), createTime: nowSeconds - 60, now: T0 + 1 }),
    ).toBe('stale');
  });

  it("keeps a stored ticket ahead of now by no more than the clock skew: WeChat's clock may run fast", async () => {
    const id = 'wxcomponent000004';
    const skewSeconds = MAX_WECHAT_CLOCK_SKEW_MS / 1000;
    const nowSeconds = T0 / 1000;
    await component.saveTicket(id, { ticket: sensitive('fast'), createTime: nowSeconds + skewSeconds, now: T0 - 1 });
    expect(await component.saveTicket(id, { ticket: sensitive('older'), createTime: nowSeconds, now: T0 })).toBe(
      'stale',
    );
    // One second further ahead than the skew allows is past believing, and replaced.
    await component.saveTicket(id, { ticket: sensitive('ahead'), createTime: nowSeconds + skewSeconds + 1, now: T0 });
    expect(await component.saveTicket(id, { ticket: sensitive('genuine'), createTime: nowSeconds, now: T0 })).toBe(
      'stored',
    );
    expect((await component.get(id))?.ticket?.ticket.reveal()).toBe('genuine');
  });

  it('leases the component token like an authorizer token', async () => {
    const id = 'wxcomponent000002';
    const store = componentTokens(component, id);
    const acquireComponent = (owner: string, at: number) =>
      acquireLease(store, {
        eligible: () => true,
        reason: SCHEDULED,
        now: () => at,
        newOwner: () => owner,
        leaseMs: LEASE,
        waitMs: 0,
        pollMs: 1,
      });
    const commitComponent = (
      from: NonNullable<Awaited<ReturnType<typeof store.read>>>,
      report: HolderReport,
      token: IssuedToken,
    ) =>
      transition(store, from, (current) => {
        if (!current) return { result: 'gone' as const };
        const step = commitStep(current, report, token, MARGIN);
        return { result: step.outcome, change: step.change };
      });
    // No component item before the first ticket: nothing to lease.
    expect(await acquireComponent('a', T0)).toEqual({ kind: 'refused', record: undefined });
    await component.saveTicket(id, { ticket: sensitive('ticket'), createTime: 1, now: T0 });
    const a = await acquireComponent('a', T0);
    expect(a.kind).toBe('leased');
    if (a.kind !== 'leased') return;
    expect(a.record.lease).toEqual({ owner: 'a', acquiredAt: T0, expiresAt: T0 + LEASE });
    expect((await acquireComponent('b', T0)).kind).toBe('busy');
    // A commit by a holder without the lease stores nothing of its token (its request is doubt only).
    const b = await commitComponent(
      a.record,
      { owner: 'b', sentAt: T0 - 10, now: T0, unsettled: false },
      issued('tb', T0 - 10),
    );
    expect(b.result).toBe('lease_lost');
    expect(b.record?.accessToken).toBeUndefined();
    expect(b.record?.lease?.owner).toBe('a');
    // The lease owner's commit, decided from the version it leased: refused as stale, read again, committed.
    expect(await component.write(a.record, { accessToken: issued('stale', T0) })).toBeUndefined();
    const done = await commitComponent(
      a.record,
      { owner: 'a', sentAt: T0 + 1, now: T0 + 2, unsettled: false },
      issued('ta', T0 + 1),
    );
    expect(done.result).toBe('committed');
    const record = await component.get(id);
    expect(record?.accessToken?.token.reveal()).toBe('ta');
    expect(record?.accessToken).toMatchObject({ issuedAt: T0 + 1, expiresAt: T0 + 1 + LIFETIME });
    expect(record?.lease).toBeUndefined();
    // b's request was answered before a's was sent: it cannot supersede a's token, so the doubt is dropped.
    expect(record?.doubt).toBeUndefined();
    expect(record?.refreshAt).toBe(T0 + 1 + LIFETIME - MARGIN);
    expect(record?.ticket?.ticket.reveal()).toBe('ticket');
  });
});
