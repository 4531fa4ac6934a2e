import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalEvents, startLocalEvents } from '../../infra/local/event-stream.js';
import { silentLogger } from '../../shared/logger.js';
import { Table } from '../../shared/store/index.js';
import { OnboardingStore } from '../../shared/store/onboarding-store.js';
import { SIMULATOR_CREDENTIALS } from '../../simulator/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

/**
 * The product's own writes (the sync, the renewal, WeChat refusing a refresh token, a revocation) on the
 * emulated stream: each account's events are the ones its life means, once each, in revision order, and
 * the token renewals in between publish nothing.
 */

const dynamo = useDynalite();
let bed: Testbed | undefined;
let local: LocalEvents | undefined;

afterEach(async () => {
  await local?.close();
  await bed?.close();
  bed = undefined;
  local = undefined;
});

async function start() {
  bed = await startTestbed(dynamo());
  local = startLocalEvents({
    doc: bed.doc,
    tableName: bed.tableName,
    componentAppId: SIMULATOR_CREDENTIALS.componentAppId,
    logger: silentLogger,
  });
  return { bed, local };
}

function lives(local: LocalEvents): Map<string, [string, unknown][]> {
  const byAccount = new Map<string, [string, unknown][]>();
  for (const event of local.events()) {
    const appId = String(event.detail['appId']);
    byAccount.set(appId, [...(byAccount.get(appId) ?? []), [event['detail-type'], event.detail['revision']]]);
  }
  return byAccount;
}

describe('events of the product’s writes', () => {
  it('the sync authorizes, a refused refresh token and its heal, a revocation; renewals say nothing', async () => {
    const { bed, local } = await start();
    bed.simulator.world.seed(3);
    await bed.storeTicket();
    await bed.service.sync();
    await local.settled();
    const [first, second, third] = bed.simulator.world.population.listing().map((record) => record.appId);
    if (!first || !second || !third) throw new Error('three accounts expected');
    for (const appId of [first, second, third])
      expect(
        lives(local)
          .get(appId)
          ?.map(([type]) => type),
      ).toEqual(['Authorizer Authorized']);
    expect(local.events()[0]?.detail).toMatchObject({ previousStatus: 'none', via: 'listing' });

    // Renewals: token writes, leases, the due index. Nothing.
    const before = local.events().length;
    await bed.service.runScheduledRefresh();
    await local.settled();
    expect(local.events()).toHaveLength(before);

    // WeChat replaces the refresh token (61023 for ours): refused, then the sync finds the new one.
    // Two hours on, the scheduled refresh meets the 61023 and its recovery sync heals the account.
    bed.simulator.world.replaceRefreshToken(first);
    bed.clock.advance(2 * 3_600_000);
    await bed.storeTicket();
    await bed.service.runScheduledRefresh();
    // The account leaves: absent from two complete listings.
    bed.simulator.world.revoke(second);
    bed.clock.advance(3_600_000);
    await bed.service.sync();
    bed.clock.advance(3_600_000);
    await bed.service.sync();
    await local.settled();

    const all = lives(local);
    expect(all.get(first)?.map(([type]) => type)).toEqual([
      'Authorizer Authorized',
      'Authorizer Refresh Token Refused',
      'Authorizer Healed',
    ]);
    expect(all.get(second)?.map(([type]) => type)).toEqual(['Authorizer Authorized', 'Authorizer Revoked']);
    expect(all.get(third)?.map(([type]) => type)).toEqual(['Authorizer Authorized']);
    const revoked = local.events().find((event) => event['detail-type'] === 'Authorizer Revoked');
    expect(revoked?.detail).toMatchObject({ appId: second, reason: 'absent_from_listing' });
    for (const life of all.values()) {
      const revisions = life.map(([, revision]) => revision as number);
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
      expect(new Set(revisions).size).toBe(revisions.length);
    }
    const ids = local.events().map((event) => event.detail['eventId']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(JSON.stringify(local.events())).not.toMatch(/refresh_?token"?\s*:/i);
  }, 30_000);
});

/** A callback URL that hands each push to the testbed's push service, as the callback function does. */
async function callbackFor(bed: Testbed): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const query = new URL(request.url ?? '/', 'http://callback').searchParams;
      bed.pushes
        .handlePush({
          msgSignature: query.get('msg_signature') ?? '',
          timestamp: query.get('timestamp') ?? '',
          nonce: query.get('nonce') ?? '',
          encryptType: query.get('encrypt_type') ?? undefined,
          body: Buffer.concat(chunks).toString('utf8'),
        })
        .then(
          () => response.end('success'),
          () => response.writeHead(500).end(),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/wechat/callback`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('events of the pushes', () => {
  it('authorized (pending: nothing, then the exchange), updateauthorized with new sets, unauthorized', async () => {
    const { bed, local } = await start();
    const callback = await callbackFor(bed);
    try {
      await bed.storeTicket();
      const { appId } = await bed.simulator.pushAuthorizationEvent('authorized', undefined, callback.url);
      await local.settled();
      const [authorized, ...rest] = local.events();
      expect(rest).toEqual([]);
      expect(authorized).toMatchObject({
        'detail-type': 'Authorizer Authorized',
        detail: { appId, previousStatus: 'none', via: 'authorization_code', funcInfo: expect.any(Array) },
      });

      bed.clock.advance(60_000);
      bed.simulator.callbackUrl = callback.url;
      await bed.simulator.changePermissions(appId, [1, 2, 3]);
      bed.clock.advance(60_000);
      await bed.simulator.pushAuthorizationEvent('unauthorized', appId, callback.url);
      await local.settled();
      const types = local.events().map((event) => event['detail-type']);
      expect(types).toEqual([
        'Authorizer Authorized',
        'Authorizer Authorized',
        'Authorizer Permissions Changed',
        'Authorizer Revoked',
      ]);
      expect(local.events()[2]?.detail).toMatchObject({ funcInfo: [1, 2, 3] });
      expect(local.events()[3]?.detail).toMatchObject({ reason: 'unauthorized_push' });
      const revisions = local.events().map((event) => event.detail['revision'] as number);
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    } finally {
      await callback.close();
    }
  }, 30_000);
});

describe('events of onboarding sessions', () => {
  it('the store completing a session: Onboarding Completed once, not for the session or its pre-auth code, nor a second completion', async () => {
    const { bed, local } = await start();
    const sessions = new OnboardingStore(new Table(bed.doc, bed.tableName));
    const now = bed.clock.now();
    const sessionId = 'c2Vzc2lvbi1pZC0zMi1ieXRlcy1iYXNlNjR1cmwtLS0';
    await sessions.create({
      sessionId,
      via: 'page',
      kind: 'h5',
      returnUrl: 'https://platform.example/done',
      state: 'order-42',
      createdAt: now,
      expiresAt: now + 600_000,
    });
    await sessions.recordPreAuthCode('ab'.repeat(32), { sessionId, expiresAt: now + 600_000 });
    const completion = {
      completedAt: now + 1_000,
      appId: 'wx1234567890abcdef',
      completedBy: 'redirect',
      authCodeHash: 'cd'.repeat(32),
    } as const;
    await sessions.complete(sessionId, completion);
    await sessions.complete(sessionId, { ...completion, completedBy: 'push' });
    await local.settled();
    expect(local.events().map((event) => [event['detail-type'], event.detail])).toEqual([
      [
        'Onboarding Completed',
        {
          componentAppId: SIMULATOR_CREDENTIALS.componentAppId,
          sessionId,
          appId: 'wx1234567890abcdef',
          completedBy: 'redirect',
          sessionKind: 'h5',
          state: 'order-42',
          revision: 2,
          eventId: `ONBOARDING#${sessionId}#2#Onboarding Completed`,
          occurredAt: new Date(now + 1_000).toISOString(),
        },
      ],
    ]);
  });
});
