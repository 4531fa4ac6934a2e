import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGetter } from '../../functions/getter/getter.js';
import { createRefresh } from '../../functions/refresh/refresh.js';
import { AuthorizerRenewer, SCHEDULED } from '../../shared/tokens/index.js';
import { tokenEvent } from '../fixtures/api-gateway.js';
import { scheduledEvent } from '../fixtures/eventbridge.js';
import { dyingStore } from '../support/dying-stores.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { recordingLogger } from '../support/recording-logger.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

// The recovery of refused refresh tokens (shared/recovery), as the scheduled refresh pays it: a sync at
// once after a 61023, time allowing, reported and never thrown.

describe('the recovery of refused refresh tokens', () => {
  const backend = useDynalite();
  let bed: Testbed;
  beforeEach(async () => {
    bed = await startTestbed(backend());
    await bed.storeTicket();
  });
  afterEach(() => bed.close());

  it('recovers a refresh token WeChat refused (61023) through the sync at once, so the account never runs out', async () => {
    // The clock is frozen: the mark and the recovery's page happen in the same millisecond.
    const [lost = '', other = ''] = await bed.seedAuthorizers(2);
    const refresh = createRefresh(() => bed.service);
    expect(await refresh(scheduledEvent)).toMatchObject({ summary: { renewed: 2 } });
    bed.simulator.world.replaceRefreshToken(lost);
    bed.clock.advance(7_200_000 - 14 * 60_000);

    const response = await refresh(scheduledEvent);
    expect(response).toMatchObject({
      summary: { renewed: 1, failed: { refresh_token_invalid: 1 } },
      recovery: { ran: true, complete: true, healed: 1 },
    });
    const healed = await bed.authorizers.get(lost);
    expect(healed?.status).toBe('active');
    expect(healed?.refreshToken.reveal()).toBe(bed.simulator.world.refreshTokenOf(lost));
    // Due again at once: the next run renews it while its old access token still works.
    bed.clock.advance(5 * 60_000);
    expect(await refresh(scheduledEvent)).toMatchObject({ summary: { renewed: 1 } });
    expect(
      bed.simulator.world.isAuthorizerTokenValid(
        lost,
        (await bed.authorizers.get(lost))?.accessToken?.token.reveal() ?? '',
      ),
    ).toBe(true);
    expect((await bed.authorizers.get(other))?.status).toBe('active');
  });

  it('the recovery sync asks for no account information (the hourly sync does, within its budget)', async () => {
    const [lost = ''] = await bed.seedAuthorizers(3); // seeded as the sync finds them: no information yet
    const refresh = createRefresh(() => bed.service);
    await refresh(scheduledEvent);
    bed.simulator.world.replaceRefreshToken(lost);
    bed.clock.advance(7_200_000 - 14 * 60_000);
    expect(await refresh(scheduledEvent)).toMatchObject({ recovery: { ran: true, healed: 1 } });
    expect(bed.simulator.counters.calls('api_get_authorizer_info')).toBe(0);
    expect(await bed.service.sync()).toMatchObject({ infoChecked: 3, infoChanged: 3 });
    expect(bed.simulator.counters.calls('api_get_authorizer_info')).toBe(3);
  });

  it('a healed account whose renewal died after WeChat answered: its kept token stays untrusted, and the getter renews', async () => {
    await bed.close();
    bed = await startTestbed(backend(), { simulator: { rotateRefreshTokenOnRenewal: true } });
    await bed.storeTicket();
    const [appId = ''] = await bed.seedAuthorizers(1);
    const refresh = createRefresh(() => bed.service);
    await refresh(scheduledEvent);
    const first = (await bed.authorizers.get(appId))?.accessToken?.token.reveal() ?? '';
    bed.clock.advance(7_200_000 - 14 * 60_000);
    // A run dies between WeChat's answer and its commit: WeChat superseded `first` and rotated the refresh token.
    const dying = new AuthorizerRenewer({
      store: dyingStore(bed.doc, bed.tableName, { at: 'commit' }),
      client: bed.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
    });
    await expect(dying.renew(appId, SCHEDULED, { waitMs: 0 })).rejects.toThrow();
    // The next run, when both graces are over: 61023, then the recovery heals with the rotated refresh token.
    bed.clock.advance(5 * 60_000);
    expect(await refresh(scheduledEvent)).toMatchObject({
      summary: { failed: { refresh_token_invalid: 1 } },
      recovery: { healed: 1 },
    });
    expect(bed.simulator.world.isAuthorizerTokenValid(appId, first)).toBe(false);
    const getter = createGetter(() => bed.service, recordingLogger(), { waitMs: 1_000 });
    const answer = await getter(tokenEvent(appId));
    expect(answer.statusCode).toBe(200);
    const served = String((JSON.parse(answer.body) as Record<string, unknown>)['authorizer_access_token']);
    expect(served).not.toBe(first);
    expect(bed.simulator.world.isAuthorizerTokenValid(appId, served)).toBe(true);
  });

  it('leaves the recovery to the next sync when the function has too little time left', async () => {
    const [lost = ''] = await bed.seedAuthorizers(1);
    const refresh = createRefresh(() => bed.service);
    await refresh(scheduledEvent);
    bed.simulator.world.replaceRefreshToken(lost);
    bed.clock.advance(7_200_000 - 14 * 60_000);
    // Enough time for the renewals when the run starts, not for a sync after them.
    const remaining = [120_000, 30_000];
    const response = await refresh(scheduledEvent, { getRemainingTimeInMillis: () => remaining.shift() ?? 0 });
    expect(response).toMatchObject({ summary: { failed: { refresh_token_invalid: 1 } } });
    expect(response).not.toHaveProperty('recovery');
    expect((await bed.authorizers.get(lost))?.status).toBe('refresh_token_invalid');
    // The request stands: the next run, with time, recovers it; the one after owes nothing.
    expect(await refresh(scheduledEvent)).toMatchObject({ recovery: { ran: true, complete: true, healed: 1 } });
    expect((await bed.authorizers.get(lost))?.status).toBe('active');
    expect(await refresh(scheduledEvent)).not.toHaveProperty('recovery');
  });

  it('a 61023 met by a getter is recovered by the next scheduled run', async () => {
    const [lost = ''] = await bed.seedAuthorizers(1);
    bed.simulator.world.replaceRefreshToken(lost);
    const getter = createGetter(() => bed.service, recordingLogger(), { waitMs: 1_000 });
    expect((await getter(tokenEvent(lost))).statusCode).toBe(410);
    bed.clock.advance(1_000);
    const refresh = createRefresh(() => bed.service);
    expect(await refresh(scheduledEvent)).toMatchObject({ summary: { due: 0 }, recovery: { healed: 1 } });
    expect((await getter(tokenEvent(lost))).statusCode).toBe(200);
  });

  it('a recovery sync that fails is reported, not thrown: the renewals stand and the request stays owed', async () => {
    const [lost = ''] = await bed.seedAuthorizers(1);
    bed.simulator.world.replaceRefreshToken(lost);
    bed.clock.advance(1_000); // the account was stored before the listing that recovers it
    const broken = Object.assign(Object.create(bed.syncStore) as typeof bed.syncStore, {
      acquireRun: () => Promise.reject(new Error('throttled')),
    });
    const refresh = createRefresh(() => bed.serviceWith({ syncStore: broken }));
    expect(await refresh(scheduledEvent)).toMatchObject({
      summary: { failed: { refresh_token_invalid: 1 } },
      recovery: { ran: false, error: 'Error' },
    });
    expect(await createRefresh(() => bed.service)(scheduledEvent)).toMatchObject({ recovery: { healed: 1 } });
  });
});
