import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { exchangeAuthorization } from '../../shared/tokens/index.js';
import { httpApiEvent, tokenEvent } from '../fixtures/api-gateway.js';
import { type ApiTestbed, startApiTestbed } from '../support/api-testbed.js';
import { useDynalite } from '../support/dynalite-fixture.js';

// GET /authorizers/{appid} (the account, never a token) and GET /authorizers' filters and summary fields.

describe('the registry routes of the getter', () => {
  const backend = useDynalite();
  let bed: ApiTestbed;
  beforeEach(async () => {
    bed = await startApiTestbed(backend());
    await bed.storeTicket();
  });
  afterEach(() => bed.close());

  const body = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;
  const accountEvent = (appid: string) =>
    httpApiEvent({ routeKey: 'GET /authorizers/{appid}', rawPath: `/authorizers/${appid}`, pathParameters: { appid } });
  const listEvent = (query: Record<string, string>) =>
    httpApiEvent({ routeKey: 'GET /authorizers', rawPath: '/authorizers', query });
  /** An account authorized through the hub: exchanged (as the redirect does), with its information. */
  async function authorized(kind: 'official_account' | 'mini_program'): Promise<string> {
    const grant = bed.simulator.world.authorize(undefined, { kind });
    const outcome = await exchangeAuthorization(
      {
        store: bed.authorizers,
        client: bed.client,
        componentTokens: bed.componentTokens,
        clock: bed.clock,
        renewalMarginMs: 15 * 60_000,
      },
      { authorizationCode: sensitive(grant.authorizationCode), createTime: Math.floor(bed.clock.now() / 1000) },
    );
    expect(outcome.kind).toBe('stored');
    return grant.appId;
  }

  describe('GET /authorizers/{appid}', () => {
    it('200: who the account is, what it granted, when; never a token or a refresh token', async () => {
      const appId = await authorized('official_account');
      await bed.getter(tokenEvent(appId)); // a token stored: still never shown here
      const answer = await bed.getter(accountEvent(appId));
      expect(answer.statusCode).toBe(200);
      expect(answer.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
      const stored = await bed.authorizers.get(appId);
      expect(answer.body).not.toContain(stored?.accessToken?.token.reveal());
      expect(answer.body).not.toContain(stored?.refreshToken.reveal());
      expect(answer.body).not.toMatch(/token/i);
      const world = bed.simulator.world.population.get(appId);
      const shown = body(answer);
      expect(shown).toEqual({
        appid: appId,
        status: 'active',
        status_reason: 'authorized',
        type: 'official_account',
        name: expect.stringMatching(/.+/),
        principal_name: expect.stringMatching(/.+/),
        verify_type: expect.any(Number),
        service_type: expect.any(Number),
        account_status: 1,
        user_name: expect.stringMatching(/^gh_/),
        alias: expect.toBeOneOf([null, expect.any(String)]),
        head_img: expect.stringMatching(/^http/),
        qrcode_url: expect.stringMatching(/^http/),
        signature: expect.any(String),
        permissions: world?.funcInfo,
        authorized_at: new Date(Math.floor(bed.clock.now() / 1000) * 1000).toISOString(),
        updated_at: expect.any(String),
      });
      expect(Date.parse(String(shown['updated_at']))).toBeGreaterThanOrEqual(bed.clock.now());
    });

    it('a mini program; an account listed before the hub fetched its information: its fields null', async () => {
      const mini = await authorized('mini_program');
      expect(body(await bed.getter(accountEvent(mini)))).toMatchObject({ type: 'mini_program' });
      const [listed = ''] = await bed.seedAuthorizers(1);
      const bare = body(await bed.getter(accountEvent(listed)));
      expect(bare).toMatchObject({
        appid: listed,
        status: 'active',
        status_reason: 'listed',
        type: null,
        name: null,
        principal_name: null,
        user_name: null,
        permissions: [],
      });
    });

    it('400 invalid_appid for a malformed appid, 404 unknown_authorizer for an unknown one (as the token route)', async () => {
      for (const appid of ['wx 1', 'wx1;drop', 'x'.repeat(65)]) {
        const answer = await bed.getter(accountEvent(appid));
        expect(answer.statusCode).toBe(400);
        expect(body(answer)).toEqual({ error: 'invalid_appid', message: expect.any(String) });
      }
      const unknown = await bed.getter(accountEvent('wx0000000000000000'));
      expect(unknown.statusCode).toBe(404);
      expect(body(unknown)).toEqual({ error: 'unknown_authorizer', message: expect.any(String) });
      // Not the route's canonical path (a trailing slash, a dot segment, another case): no route, as API Gateway answers.
      for (const rawPath of [
        '/authorizers/wx0000000000000000/',
        '/authorizers/./wx0000000000000000',
        '/Authorizers/wx0000000000000000',
      ])
        expect(
          body(
            await bed.getter(
              httpApiEvent({
                routeKey: 'GET /authorizers/{appid}',
                rawPath,
                pathParameters: { appid: 'wx0000000000000000' },
              }),
            ),
          ),
        ).toEqual({ message: 'Not Found' });
      const query = await bed.getter(
        httpApiEvent({
          routeKey: 'GET /authorizers/{appid}',
          rawPath: '/authorizers/wx0000000000000000',
          pathParameters: { appid: 'wx0000000000000000' },
          query: { limit: '1' },
        }),
      );
      expect(body(query)['error']).toBe('invalid_query');
    });
  });

  describe('GET /authorizers filtered', () => {
    async function everyPage(query: Record<string, string>) {
      const seen: Array<Record<string, unknown>> = [];
      let cursor: string | undefined;
      do {
        const answer = await bed.getter(listEvent({ ...query, ...(cursor ? { cursor } : {}) }));
        expect(answer.statusCode).toBe(200);
        const page = body(answer) as { authorizers: Array<Record<string, unknown>>; next_cursor: string | null };
        expect(page.authorizers.length).toBeLessThanOrEqual(Number(query['limit'] ?? 100));
        seen.push(...page.authorizers);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return seen;
    }

    it('by status and by type, with the summary fields, every match once across pages', async () => {
      const officials = [await authorized('official_account'), await authorized('official_account')];
      const minis = [await authorized('mini_program')];
      const listed = await bed.seedAuthorizers(6);
      const [revoked = ''] = listed;
      await bed.authorizers.revokeByPush(revoked, Math.floor(bed.clock.now() / 1000) + 1, bed.clock.now());

      const byType = await everyPage({ type: 'mini_program', limit: '1' });
      expect(byType.map((entry) => entry['authorizer_appid'])).toEqual(minis);
      expect(byType[0]).toMatchObject({
        type: 'mini_program',
        name: expect.stringMatching(/.+/),
        principal_name: expect.stringMatching(/.+/),
        permissions: bed.simulator.world.population.get(minis[0] ?? '')?.funcInfo,
        status: 'active',
      });
      const official = await everyPage({ type: 'official_account', limit: '1' });
      expect(official.map((entry) => entry['authorizer_appid']).sort()).toEqual([...officials].sort());
      expect((await everyPage({ status: 'revoked' })).map((entry) => entry['authorizer_appid'])).toEqual([revoked]);
      const active = await everyPage({ status: 'active', limit: '2' });
      expect(active).toHaveLength(officials.length + minis.length + listed.length - 1);
      expect(await everyPage({ status: 'refresh_token_invalid' })).toEqual([]);
      expect(await everyPage({ status: 'active', type: 'mini_program' })).toHaveLength(1);
    });

    it('more matches in one Scan request than the page holds: the page is cut at the limit, the next starts after it', async () => {
      const seeded = await bed.seedAuthorizers(1_500);
      const minis: string[] = [];
      for (let index = 0; index < 12; index++) minis.push(await authorized('mini_program'));
      const pages: number[] = [];
      let cursor: string | undefined;
      const seen: unknown[] = [];
      do {
        const page = body(
          await bed.getter(listEvent({ type: 'mini_program', limit: '5', ...(cursor ? { cursor } : {}) })),
        ) as { authorizers: Array<Record<string, unknown>>; next_cursor: string | null };
        pages.push(page.authorizers.length);
        seen.push(...page.authorizers.map((entry) => entry['authorizer_appid']));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      expect([...seen].sort()).toEqual([...minis].sort());
      expect(Math.max(...pages)).toBe(5);
      expect(seeded).toHaveLength(1_500);
    }, 60_000);

    it('400 invalid_query for a value it does not know (a repeated filter too), as for an unknown parameter', async () => {
      for (const query of [
        { status: 'deleted' },
        { status: 'Active' },
        { type: 'app' },
        { type: 'mini_program,official_account' },
        { kind: 'mini_program' },
      ]) {
        const answer = await bed.getter(listEvent(query));
        expect(answer.statusCode, JSON.stringify(query)).toBe(400);
        expect(body(answer)['error']).toBe('invalid_query');
      }
    });
  });
});
