import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { refreshDueAuthorizers } from '../../shared/refresh/index.js';
import { AuthorizerRenewer, type RenewalResult, SCHEDULED } from '../../shared/tokens/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

// Issue 13: the scheduled refresh's abort signal (Ctrl-C in the local runtime). Aborted, no renewal
// starts; those started before finish, and the token WeChat issued each of them is stored and works.

describe('an aborted scheduled refresh', () => {
  const backend = useDynalite();
  let bed: Testbed;
  beforeEach(async () => {
    bed = await startTestbed(backend());
    await bed.storeTicket();
  });
  afterEach(() => bed.close());

  const dueNow = async (): Promise<string[]> => {
    const due: string[] = [];
    for await (const appId of bed.authorizers.dueAppIds(bed.clock.now())) due.push(appId);
    return due;
  };

  it('starts no renewal after the abort; each started before ends renewed, its working token stored', async () => {
    const appIds = await bed.seedAuthorizers(24);
    // Renewals take a while at WeChat, so that several are in flight (lease taken, WeChat asked) at the abort.
    bed.simulator.faults.set({ latencyMs: 40, endpoints: ['api_authorizer_token'] });
    const controller = new AbortController();
    const started: { appId: string; afterAbort: boolean }[] = [];
    const results = new Map<string, RenewalResult>();
    class WatchedRenewer extends AuthorizerRenewer {
      override async renew(...args: Parameters<AuthorizerRenewer['renew']>) {
        started.push({ appId: args[0], afterAbort: controller.signal.aborted });
        if (started.length === 6) controller.abort(); // the sixth has started; the three before it are in flight
        const result = await super.renew(...args);
        results.set(args[0], result);
        return result;
      }
    }
    const renewer = new WatchedRenewer({
      store: bed.authorizers,
      client: bed.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
    });

    const summary = await refreshDueAuthorizers({
      store: bed.authorizers,
      renewer,
      clock: bed.clock,
      concurrency: 4,
      signal: controller.signal,
    });

    expect(started.filter((renewal) => renewal.afterAbort)).toEqual([]);
    expect(started).toHaveLength(6);
    expect(summary.renewed).toBe(6);
    // No token lost: each renewal started got its answer and stored it, and WeChat takes the stored
    // access token (the latest it issued) and the stored refresh token.
    for (const { appId } of started) {
      expect(results.get(appId)?.kind, appId).toBe('renewed');
      const stored = await bed.authorizers.get(appId);
      const token = stored?.accessToken?.token.reveal() ?? '';
      expect(bed.simulator.world.isAuthorizerTokenValid(appId, token), appId).toBe(true);
      expect(bed.simulator.world.isLatestAuthorizerToken(appId, token), appId).toBe(true);
      expect(bed.simulator.world.acceptsRefreshToken(appId, stored?.refreshToken.reveal() ?? ''), appId).toBe(true);
    }
    expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(6);
    // The rest stay due for the next run.
    expect(new Set(await dueNow())).toEqual(new Set(appIds.filter((id) => !results.has(id))));
  });

  it('aborted before it starts: no renewal, and no recovery sync though one is owed', async () => {
    const [refused = '', ...others] = await bed.seedAuthorizers(4);
    // A 61023 mark makes a recovery owed (the sync that would heal it lists the accounts).
    bed.simulator.world.replaceRefreshToken(refused);
    expect(await bed.renewer.renew(refused, SCHEDULED, { waitMs: 0 })).toMatchObject({ kind: 'failed' });
    const renewalsBefore = bed.simulator.counters.calls('api_authorizer_token');

    const report = await bed.service.runScheduledRefresh({ signal: AbortSignal.abort() });

    expect(report.summary.renewed).toBe(0);
    expect(report.recovery).toBeUndefined();
    expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(renewalsBefore);
    expect(bed.simulator.counters.calls('api_get_authorizer_list')).toBe(0);
    // The others stay due (the refused one waits in the recovery partition for the sync).
    expect(new Set(await dueNow())).toEqual(new Set(others));
    expect((await bed.authorizers.get(refused))?.status).toBe('refresh_token_invalid');
  });
});
