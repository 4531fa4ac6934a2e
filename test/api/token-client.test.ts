import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useDynalite } from '../support/dynalite-fixture';
import { TokenServiceError, WechatTokenClient } from '../../shared/caller/token-client';
import { startApiTestbed, type ApiTestbed } from '../support/api-testbed';

describe('the caller client, against the local runtime', () => {
  const backend = useDynalite();
  let bed: ApiTestbed;
  const requests: Array<{ method: string; url: string; authorization: string }> = [];
  beforeEach(async () => {
    bed = await startApiTestbed(backend());
    await bed.storeTicket();
    requests.length = 0;
  });
  afterEach(() => bed.close());

  const client = () =>
    new WechatTokenClient({
      endpoint: bed.apiUrl,
      region: 'ap-east-1',
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }),
      now: () => bed.clock.now(),
      fetch: async (input, init) => {
        const headers = new Headers(init?.headers);
        requests.push({ method: init?.method ?? 'GET', url: String(input), authorization: headers.get('authorization') ?? '' });
        return fetch(input, init);
      },
    });

  it('signs with SigV4 for execute-api, and caches the token until shortly before it expires', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const tokens = client();
    const first = await tokens.getToken(appId);
    expect(bed.simulator.world.isAuthorizerTokenValid(appId, first)).toBe(true);
    expect(requests[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-east-1\/execute-api\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(await tokens.getToken(appId)).toBe(first);
    expect(requests).toHaveLength(1);
    bed.clock.advance(7_200_000 - 59_000); // within a minute of expiry: asked again (and renewed by the getter)
    const second = await tokens.getToken(appId);
    expect(requests).toHaveLength(2);
    expect(second).not.toBe(first);
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
    const renewed = await tokens.reportInvalid(appId, refused);
    expect(renewed).not.toBe(refused);
    expect(await client().reportInvalid(appId, refused)).toBe(renewed);
    expect(await tokens.getToken(appId)).toBe(renewed);
    expect(requests.filter((request) => request.method === 'POST')).toHaveLength(2);
    expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(2);
  });

  it('turns an error answer into a TokenServiceError with its code and Retry-After', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const tokens = client();
    await expect(tokens.getToken('wx0000000000000000')).rejects.toMatchObject({ status: 404, code: 'unknown_authorizer' });
    bed.simulator.faults.failNext('api_authorizer_token', -1, 3);
    const error = await tokens.getToken(appId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenServiceError);
    expect(error).toMatchObject({ status: 503, code: 'wechat_unavailable', retryAfterSeconds: 5 });
  });
});
