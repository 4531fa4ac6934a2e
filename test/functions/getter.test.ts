import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpApiEvent, refreshEvent, tokenEvent } from '../fixtures/api-gateway.js';
import { type ApiTestbed, startApiTestbed } from '../support/api-testbed.js';
import { useDynalite } from '../support/dynalite-fixture.js';

const MINUTE = 60_000;

describe('the getter', () => {
  const backend = useDynalite();
  let bed: ApiTestbed;
  beforeEach(async () => {
    bed = await startApiTestbed(backend());
    await bed.storeTicket();
  });
  afterEach(() => bed.close());

  const body = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

  describe('GET /authorizers/{appid}/token', () => {
    it('200: a fresh token, renewed on demand the first time and served from the store after', async () => {
      const [appId = ''] = await bed.seedAuthorizers(1);
      const first = await bed.getter(tokenEvent(appId));
      expect(first.statusCode).toBe(200);
      expect(first.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
      const answer = body(first);
      // Guaranteed until our own renewal (15 minutes before WeChat's expiry) plus WeChat's 5-minute grace,
      // less the minute kept in hand: never the 7,200 s WeChat gives, which our renewal cuts short.
      expect(answer).toEqual({
        authorizer_appid: appId,
        authorizer_access_token: expect.any(String),
        expires_at: new Date(bed.clock.now() + 6_540_000).toISOString(),
        expires_in: 6_540,
      });
      expect(bed.simulator.world.isAuthorizerTokenValid(appId, String(answer['authorizer_access_token']))).toBe(true);
      bed.clock.advance(60 * MINUTE);
      const second = body(await bed.getter(tokenEvent(appId)));
      expect(second['authorizer_access_token']).toBe(answer['authorizer_access_token']);
      expect(second['expires_in']).toBe(2_940);
      expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(1);
    });

    it('renews a token guaranteed for less than a minute before handing it out', async () => {
      const [appId = ''] = await bed.seedAuthorizers(1);
      const first = body(await bed.getter(tokenEvent(appId)));
      // The schedule has not renewed it (it is overdue): still guaranteed for 4 minutes, handed out as it is.
      bed.clock.advance(7_200_000 - 5 * MINUTE);
      const late = body(await bed.getter(tokenEvent(appId)));
      expect(late['authorizer_access_token']).toBe(first['authorizer_access_token']);
      expect(late['expires_in']).toBe(240);
      bed.clock.advance(3 * MINUTE + 30_000); // 90 s left of WeChat's expiry, 30 s of the guarantee
      const second = body(await bed.getter(tokenEvent(appId)));
      expect(second['authorizer_access_token']).not.toBe(first['authorizer_access_token']);
      expect(second['expires_in']).toBe(6_540);
    });

    it('20 concurrent requests for a due token: one WeChat call, the others wait for its result', async () => {
      const [appId = ''] = await bed.seedAuthorizers(1);
      const answers = await Promise.all(Array.from({ length: 20 }, () => bed.getter(tokenEvent(appId))));
      expect(answers.map((answer) => answer.statusCode)).toEqual(Array(20).fill(200));
      expect(new Set(answers.map((answer) => body(answer)['authorizer_access_token'])).size).toBe(1);
      expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(1);
    });

    it('400 for a malformed appid, 404 for an unknown one', async () => {
      for (const appid of ['wx 1', 'wx1;drop', 'x'.repeat(65)]) {
        const answer = await bed.getter(tokenEvent(appid));
        expect(answer.statusCode).toBe(400);
        expect(body(answer)).toEqual({ error: 'invalid_appid', message: expect.any(String) });
      }
      // An empty appid is no path segment at all (`/authorizers//token`): no route, as API Gateway answers.
      expect(body(await bed.getter(tokenEvent('')))).toEqual({ message: 'Not Found' });
      const unknown = await bed.getter(tokenEvent('wx0000000000000000'));
      expect(unknown.statusCode).toBe(404);
      expect(body(unknown)['error']).toBe('unknown_authorizer');
    });

    it('410 for a revoked account or one whose refresh token is invalid; the body says which', async () => {
      const [revoked = '', invalid = ''] = await bed.seedAuthorizers(2);
      bed.simulator.world.revoke(revoked);
      bed.simulator.world.replaceRefreshToken(invalid);
      const first = await bed.getter(tokenEvent(revoked));
      expect([first.statusCode, body(first)['error']]).toEqual([410, 'revoked']);
      const second = await bed.getter(tokenEvent(invalid));
      expect([second.statusCode, body(second)['error']]).toEqual([410, 'refresh_token_invalid']);
      // Known now, answered from the store without asking WeChat again.
      const again = await bed.getter(tokenEvent(invalid));
      expect([again.statusCode, body(again)['error']]).toEqual([410, 'refresh_token_invalid']);
      expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(2);
    });

    it('503 with Retry-After while WeChat is failing; quota exhaustion says so', async () => {
      const [busy = '', quota = ''] = await bed.seedAuthorizers(2);
      bed.simulator.faults.failNext('api_authorizer_token', -1, 3);
      const failing = await bed.getter(tokenEvent(busy));
      expect(failing.statusCode).toBe(503);
      expect(failing.headers?.['retry-after']).toBe('5');
      expect(body(failing)['error']).toBe('wechat_unavailable');
      bed.simulator.faults.failNext('api_authorizer_token', 45009);
      const spent = await bed.getter(tokenEvent(quota));
      expect([spent.statusCode, body(spent)['error'], spent.headers?.['retry-after']]).toEqual([
        503,
        'wechat_quota_exhausted',
        '600',
      ]);
      expect((await bed.getter(tokenEvent(busy))).statusCode).toBe(200);
    });

    it('503 when there is no component token to be had (no ticket yet)', async () => {
      await bed.close();
      bed = await startApiTestbed(backend());
      const [appId = ''] = await bed.seedAuthorizers(1);
      const answer = await bed.getter(tokenEvent(appId));
      expect([answer.statusCode, body(answer)['error']]).toEqual([503, 'component_token_unavailable']);
    });
  });

  describe('POST /authorizers/{appid}/token/refresh', () => {
    it('renews a refused token that is still the stored one; otherwise answers the current token', async () => {
      const [appId = ''] = await bed.seedAuthorizers(1);
      const first = String(body(await bed.getter(tokenEvent(appId)))['authorizer_access_token']);
      await bed.killStoredToken(appId); // WeChat really refuses it now
      const renewed = body(await bed.getter(refreshEvent(appId, { invalid_token: first })));
      expect(renewed['authorizer_access_token']).not.toBe(first);
      const late = body(await bed.getter(refreshEvent(appId, { invalid_token: first })));
      expect(late['authorizer_access_token']).toBe(renewed['authorizer_access_token']);
      expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(3); // the first, the one that killed it, the renewal
    });

    it('1,000 concurrent reports of the same bad token cause one WeChat renewal', async () => {
      const [appId = ''] = await bed.seedAuthorizers(1);
      const bad = String(body(await bed.getter(tokenEvent(appId)))['authorizer_access_token']);
      await bed.killStoredToken(appId);
      const answers = await Promise.all(
        Array.from({ length: 1_000 }, () => bed.getter(refreshEvent(appId, { invalid_token: bad }))),
      );
      expect(answers.every((answer) => answer.statusCode === 200)).toBe(true);
      const tokens = new Set(answers.map((answer) => body(answer)['authorizer_access_token']));
      expect(tokens.size).toBe(1);
      expect(tokens.has(bad)).toBe(false);
      expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(3); // the first token, the one that killed it, the one renewal
      expect(bed.simulator.counters.calls('get_api_domain_ip')).toBe(1); // WeChat was asked once whether it is dead
    }, 60_000);

    it('400 for a body that is not {"invalid_token": "..."}', async () => {
      const [appId = ''] = await bed.seedAuthorizers(1);
      for (const bad of ['', 'not json', '{}', '{"invalid_token": 5}', '{"invalid_token": ""}']) {
        const answer = await bed.getter(refreshEvent(appId, bad));
        expect([answer.statusCode, body(answer)['error']]).toEqual([400, 'invalid_body']);
      }
      const base64 = await bed.getter({
        ...refreshEvent(appId, ''),
        body: Buffer.from(JSON.stringify({ invalid_token: 'x' })).toString('base64'),
        isBase64Encoded: true,
      });
      expect(base64.statusCode).toBe(200);
    });
  });

  describe('GET /authorizers', () => {
    it('pages through every account with a cursor, and never shows a token', async () => {
      const appIds = await bed.seedAuthorizers(25);
      await bed.getter(tokenEvent(appIds[0] ?? ''));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const answer = await bed.getter(
          httpApiEvent({
            routeKey: 'GET /authorizers',
            rawPath: '/authorizers',
            query: { limit: '10', ...(cursor ? { cursor } : {}) },
          }),
        );
        expect(answer.statusCode).toBe(200);
        expect(answer.body).not.toMatch(/token|refresh/i);
        const page = body(answer) as { authorizers: Array<Record<string, unknown>>; next_cursor: string | null };
        expect(page.authorizers.length).toBeLessThanOrEqual(10);
        for (const entry of page.authorizers) {
          expect(Object.keys(entry).sort()).toEqual([
            'auth_time',
            'authorizer_appid',
            'expires_at',
            'name',
            'permissions',
            'principal_name',
            'status',
            'type',
          ]);
          seen.push(String(entry['authorizer_appid']));
        }
        cursor = page.next_cursor ?? undefined;
        pages++;
      } while (cursor);
      expect(seen.sort()).toEqual([...appIds].sort());
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('400 for a bad limit or a cursor it did not issue', async () => {
      for (const query of [
        { limit: '0' },
        { limit: '501' },
        { limit: 'ten' },
        { cursor: 'garbage' },
        { cursor: Buffer.from('{"pk":"COMPONENT#x"}').toString('base64url') },
      ]) {
        const answer = await bed.getter(httpApiEvent({ routeKey: 'GET /authorizers', rawPath: '/authorizers', query }));
        expect(answer.statusCode).toBe(400);
      }
    });
  });

  describe('GET /component/token', () => {
    it('hands out the component token on its own route', async () => {
      const answer = await bed.getter(httpApiEvent({ routeKey: 'GET /component/token', rawPath: '/component/token' }));
      expect(answer.statusCode).toBe(200);
      const token = body(answer);
      // Guaranteed until its renewal (10 minutes before WeChat's expiry) plus the grace, less a minute.
      expect(token).toMatchObject({ component_appid: bed.config.componentAppId, expires_in: 6_840 });
      expect(bed.simulator.world.isComponentTokenValid(String(token['component_access_token']))).toBe(true);
    });
  });

  it('errors are JSON {error, message} and nothing else, even when something breaks inside', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const broken = bed.serviceWith({
      authorizers: {
        get: () => Promise.reject(new Error('secret-value exploded at /var/task/x.js:1')),
      } as unknown as typeof bed.authorizers,
    });
    const { createGetter } = await import('../../functions/getter/getter.js');
    const answer = await createGetter(() => broken, bed.logger)(tokenEvent(appId));
    expect(answer.statusCode).toBe(500);
    expect(body(answer)).toEqual({ error: 'internal', message: 'internal error' });
    expect(bed.logger.lines.join('\n')).not.toContain('secret-value');
    const unknownRoute = await bed.getter(httpApiEvent({ routeKey: 'DELETE /authorizers', rawPath: '/authorizers' }));
    expect(unknownRoute.statusCode).toBe(404);
  });
});
