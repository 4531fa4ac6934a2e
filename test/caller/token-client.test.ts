import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenServiceError, WechatTokenClient } from '../../shared/caller/token-client.js';
import { type ApiTestbed, startApiTestbed } from '../support/api-testbed.js';
import { useDynalite } from '../support/dynalite-fixture.js';

describe('the caller client, against the local runtime', () => {
  const backend = useDynalite();
  let bed: ApiTestbed;
  const requests: Array<{ method: string; url: string; authorization: string }> = [];
  /** What each answer guaranteed: the client must hold the token until sentAt + expires_in − 5 s. */
  const guarantees: Array<{ sentAt: number; expiresIn: number }> = [];
  beforeEach(async () => {
    bed = await startApiTestbed(backend());
    await bed.storeTicket();
    requests.length = 0;
    guarantees.length = 0;
  });
  afterEach(() => bed.close());

  const client = () =>
    new WechatTokenClient({
      endpoint: bed.apiUrl,
      region: 'ap-east-1',
      credentials: async () => ({
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      }),
      now: () => bed.clock.now(),
      fetch: async (input, init) => {
        const headers = new Headers(init?.headers);
        const sentAt = bed.clock.now();
        requests.push({
          method: init?.method ?? 'GET',
          url: String(input),
          authorization: headers.get('authorization') ?? '',
        });
        const response = await fetch(input, init);
        const body = (await response
          .clone()
          .json()
          .catch(() => ({}))) as { expires_in?: number };
        if (typeof body.expires_in === 'number') guarantees.push({ sentAt, expiresIn: body.expires_in });
        return response;
      },
    });

  it('signs with SigV4 for execute-api, and caches the token until 5 s before the guarantee the getter gave ends', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const tokens = client();
    const first = await tokens.getToken(appId);
    expect(bed.simulator.world.isAuthorizerTokenValid(appId, first)).toBe(true);
    expect(requests[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-east-1\/execute-api\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(await tokens.getToken(appId)).toBe(first);
    expect(requests).toHaveLength(1);
    const [guarantee] = guarantees;
    expect(guarantee?.expiresIn).toBeGreaterThan(60);
    const useUntil = (guarantee?.sentAt ?? 0) + (guarantee?.expiresIn ?? 0) * 1000 - 5_000;
    bed.clock.set(useUntil - 1);
    expect(await tokens.getToken(appId)).toBe(first);
    expect(requests).toHaveLength(1);
    bed.clock.set(useUntil); // the guarantee is all but over: asked again
    const second = await tokens.getToken(appId);
    expect(requests).toHaveLength(2);
    // Whether the getter renewed by now is its business; what it hands back works, for as long as it says.
    expect(bed.simulator.world.isAuthorizerTokenValid(appId, second)).toBe(true);
    const renewedGuarantee = guarantees[1];
    if (renewedGuarantee && renewedGuarantee.expiresIn > 0) {
      bed.clock.set(renewedGuarantee.sentAt + renewedGuarantee.expiresIn * 1000 - 1);
      expect(bed.simulator.world.isAuthorizerTokenValid(appId, second)).toBe(true);
    }
  });

  it('shares one request among concurrent callers in a process', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const tokens = client();
    const all = await Promise.all(Array.from({ length: 10 }, () => tokens.getToken(appId)));
    expect(new Set(all).size).toBe(1);
    expect(requests).toHaveLength(1);
  });

  it('reportInvalid renews a refused token once and hands back the current one', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const tokens = client();
    const refused = await tokens.getToken(appId);
    await bed.killStoredToken(appId); // WeChat now refuses it (40001), as the caller was told
    const callsBefore = bed.simulator.counters.calls('api_authorizer_token');
    const renewed = await tokens.reportInvalid(appId, refused);
    expect(renewed).not.toBe(refused);
    expect(bed.simulator.world.isAuthorizerTokenValid(appId, renewed)).toBe(true);
    expect(await client().reportInvalid(appId, refused)).toBe(renewed);
    expect(await tokens.getToken(appId)).toBe(renewed);
    expect(requests.filter((request) => request.method === 'POST')).toHaveLength(2);
    expect(bed.simulator.counters.calls('api_authorizer_token') - callsBefore).toBe(1);
  });

  it('reportInvalid of a token WeChat still accepts renews nothing and hands the same token back', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const tokens = client();
    const current = await tokens.getToken(appId);
    const callsBefore = bed.simulator.counters.calls('api_authorizer_token');
    for (let i = 0; i < 3; i++) expect(await tokens.reportInvalid(appId, current)).toBe(current);
    expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(callsBefore);
  });

  it('turns an error answer into a TokenServiceError with its code and Retry-After', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const tokens = client();
    await expect(tokens.getToken('wx0000000000000000')).rejects.toMatchObject({
      status: 404,
      code: 'unknown_authorizer',
    });
    bed.simulator.faults.failNext('api_authorizer_token', -1, 3);
    const error = await tokens.getToken(appId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenServiceError);
    expect(error).toMatchObject({ status: 503, code: 'wechat_unavailable', retryAfterSeconds: 5 });
  });
});

describe('the caller client cache, with an injected fetch and clock', () => {
  /** The service's answer, as the getter gives it: `expires_at` deliberately far from `expires_in`. */
  const answer = (token: string, expiresIn: number, expiresAt = '2099-01-01T00:00:00.000Z') =>
    new Response(
      JSON.stringify({
        authorizer_appid: 'wx1',
        authorizer_access_token: token,
        expires_at: expiresAt,
        expires_in: expiresIn,
      }),
      {
        status: 200,
        headers: { 'content-type': 'application/json' },
      },
    );

  /**
   * A client whose clock is `clock.now` (off from the service's by hours, as a caller's may be) and whose
   * every request takes `latencyMs` on that clock: the cache must count from when a request was sent.
   */
  function harness(
    options: { refreshBeforeMs?: number; latencyMs?: number; expiresIn?: number; expiresAt?: string } = {},
  ) {
    const clock = { now: Date.UTC(2030, 0, 1) - 3 * 3_600_000 };
    const sent: Array<{ method: string; at: number }> = [];
    let issued = 0;
    const client = new WechatTokenClient({
      endpoint: 'https://api.example.com',
      region: 'ap-east-1',
      credentials: async () => ({
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      }),
      now: () => clock.now,
      ...(options.refreshBeforeMs === undefined ? {} : { refreshBeforeMs: options.refreshBeforeMs }),
      fetch: async (_input, init) => {
        sent.push({ method: init?.method ?? 'GET', at: clock.now });
        clock.now += options.latencyMs ?? 0;
        return answer(`token-${++issued}`, options.expiresIn ?? 540, options.expiresAt);
      },
    });
    return { client, clock, sent };
  }

  /** The first token is used until a millisecond before `useUntil`, and a second one asked for at it. */
  async function expectCachedUntil(
    { client, clock, sent }: ReturnType<typeof harness>,
    useUntil: number,
  ): Promise<void> {
    clock.now = useUntil - 1;
    expect(await client.getToken('wx1')).toBe('token-1');
    clock.now = useUntil;
    expect(await client.getToken('wx1')).toBe('token-2');
    expect(sent).toHaveLength(2);
  }

  it('holds a token until sentAt + expires_in − 5 s by default, and not a millisecond longer, whatever expires_at says', async () => {
    const { client, clock, sent } = harness({ latencyMs: 2_000 });
    const sentAt = clock.now;
    expect(await client.getToken('wx1')).toBe('token-1');
    const deadline = sentAt + 540_000 - 5_000;
    clock.now = deadline - 1;
    expect(await client.getToken('wx1')).toBe('token-1');
    expect(sent).toHaveLength(1);
    clock.now = deadline;
    expect(await client.getToken('wx1')).toBe('token-2');
    expect(sent).toHaveLength(2);
  });

  it('counts from when the request was sent, not from when it was answered: a slow answer only shortens the use', async () => {
    const cache = harness({ latencyMs: 30_000, refreshBeforeMs: 0 });
    const sentAt = cache.clock.now;
    await cache.client.getToken('wx1');
    await expectCachedUntil(cache, sentAt + 540_000);
  });

  it('ignores an expires_at far beyond expires_in (the caller clock skew cannot stretch the guarantee), and one before it', async () => {
    for (const expiresAt of ['2099-01-01T00:00:00.000Z', '2000-01-01T00:00:00.000Z']) {
      const cache = harness({ expiresAt, refreshBeforeMs: 10_000 });
      const sentAt = cache.clock.now;
      await cache.client.getToken('wx1');
      await expectCachedUntil(cache, sentAt + 530_000);
    }
  });

  it('does not cache a token whose guarantee is shorter than refreshBeforeMs', async () => {
    const { client, sent } = harness({ expiresIn: 4 });
    expect(await client.getToken('wx1')).toBe('token-1');
    expect(await client.getToken('wx1')).toBe('token-2');
    expect(sent).toHaveLength(2);
  });

  it('caches what reportInvalid hands back by the same rule', async () => {
    const { client, clock, sent } = harness();
    expect(await client.getToken('wx1')).toBe('token-1');
    const reportedAt = clock.now + 60_000;
    clock.now = reportedAt;
    expect(await client.reportInvalid('wx1', 'token-1')).toBe('token-2');
    clock.now = reportedAt + 535_000 - 1;
    expect(await client.getToken('wx1')).toBe('token-2');
    clock.now = reportedAt + 535_000;
    expect(await client.getToken('wx1')).toBe('token-3');
    expect(sent.map((request) => request.method)).toEqual(['GET', 'POST', 'GET']);
  });

  it('refuses an answer without expires_in', async () => {
    const client = new WechatTokenClient({
      endpoint: 'https://api.example.com',
      region: 'ap-east-1',
      credentials: async () => ({
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      }),
      fetch: async () =>
        new Response(JSON.stringify({ authorizer_access_token: 't', expires_at: '2099-01-01T00:00:00.000Z' }), {
          status: 200,
        }),
    });
    await expect(client.getToken('wx1')).rejects.toMatchObject({ status: 502, code: 'malformed_answer' });
  });
});
