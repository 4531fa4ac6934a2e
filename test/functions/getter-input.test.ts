import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_REFRESH_BODY_BYTES } from '../../functions/getter/request.js';
import { httpApiEvent, refreshEvent, tokenEvent } from '../fixtures/api-gateway.js';
import { type ApiTestbed, startApiTestbed } from '../support/api-testbed.js';
import { useDynalite } from '../support/dynalite-fixture.js';

/** Only what docs/api.md documents is accepted (issue 14, point 7). */
describe('the getter accepts only the input docs/api.md documents', () => {
  const backend = useDynalite();
  let bed: ApiTestbed;
  let appId: string;
  beforeAll(async () => {
    bed = await startApiTestbed(backend());
    await bed.storeTicket();
    [appId = ''] = await bed.seedAuthorizers(1);
  });
  afterAll(() => bed.close());
  afterEach(() => vi.restoreAllMocks());

  const list = (query: Record<string, string>) =>
    bed.getter(httpApiEvent({ routeKey: 'GET /authorizers', rawPath: '/authorizers', query }));
  const errorOf = (answer: { statusCode: number; body: string }) => [
    answer.statusCode,
    (JSON.parse(answer.body) as { error?: string }).error,
  ];

  describe('GET /authorizers?limit=', () => {
    it.each(['1', '9', '10', '100', '499', '500'])('limit=%s is a whole number from 1 to 500: 200', async (limit) => {
      expect((await list({ limit })).statusCode).toBe(200);
    });

    it.each([
      ['an exponent', '1e2'],
      ['a leading space', ' 5'],
      ['a trailing space', '5 '],
      ['hexadecimal', '0x10'],
      ['binary', '0b11'],
      ['a leading zero', '05'],
      ['a plus sign', '+5'],
      ['a minus sign', '-5'],
      ['a fraction', '5.0'],
      ['nothing', ''],
      ['zero', '0'],
      ['over 500', '501'],
      ['four digits', '1000'],
      ['a repeated limit, as API Gateway joins it', '5,6'],
      ['a word', 'ten'],
      ['full-width digits', '１０'],
      ['digit separators', '1_0'],
      ['Infinity', 'Infinity'],
    ])('%s (%j): 400 invalid_limit', async (_name, limit) => {
      expect(errorOf(await list({ limit }))).toEqual([400, 'invalid_limit']);
    });
  });

  describe('query parameters', () => {
    it('a parameter a route does not take is refused with invalid_query, on every route', async () => {
      expect(errorOf(await list({ limit: '5', offset: '10' }))).toEqual([400, 'invalid_query']);
      expect(errorOf(await bed.getter({ ...tokenEvent(appId), queryStringParameters: { fresh: '1' } }))).toEqual([
        400,
        'invalid_query',
      ]);
      const component = httpApiEvent({
        routeKey: 'GET /component/token',
        rawPath: '/component/token',
        query: { x: '' },
      });
      expect(errorOf(await bed.getter(component))).toEqual([400, 'invalid_query']);
      const refresh = { ...refreshEvent(appId, { invalid_token: 'x' }), queryStringParameters: { appid: appId } };
      expect(errorOf(await bed.getter(refresh))).toEqual([400, 'invalid_query']);
    });

    it("SigV4's query-string signature (X-Amz-*) is API Gateway's to check, not a mistake: accepted", async () => {
      const signed = { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Signature': '0' };
      expect((await bed.getter({ ...tokenEvent(appId), queryStringParameters: signed })).statusCode).toBe(200);
      expect((await list({ limit: '5', ...signed })).statusCode).toBe(200);
    });
  });

  describe('POST …/token/refresh: the body is capped before it is decoded or parsed', () => {
    const report = (body: string, isBase64Encoded = false) =>
      bed.getter({ ...refreshEvent(appId, body), isBase64Encoded });
    /** A valid report padded with whitespace to exactly `bytes` bytes: only its size can refuse it. */
    const paddedReport = (bytes: number) => {
      const core = JSON.stringify({ invalid_token: 'x' });
      return `${core.slice(0, -1)}${' '.repeat(bytes - core.length)}}`;
    };
    /** Every JSON.parse of a text over the cap (none may happen). */
    const parsesOfLargeTexts = () => {
      const parse = vi.spyOn(JSON, 'parse');
      return () => parse.mock.calls.filter(([text]) => String(text).length > MAX_REFRESH_BODY_BYTES).length;
    };

    it('the cap is 4 KiB: twice the longest token a report carries', () => {
      expect(MAX_REFRESH_BODY_BYTES).toBe(4_096);
    });

    it(`a body of exactly ${MAX_REFRESH_BODY_BYTES} bytes is read; one byte more is 413 body_too_large, never parsed`, async () => {
      const large = parsesOfLargeTexts();
      expect((await report(paddedReport(MAX_REFRESH_BODY_BYTES))).statusCode).toBe(200);
      expect(errorOf(await report(paddedReport(MAX_REFRESH_BODY_BYTES + 1)))).toEqual([413, 'body_too_large']);
      expect(errorOf(await report(paddedReport(1024 * 1024)))).toEqual([413, 'body_too_large']);
      expect(large()).toBe(0);
    });

    it('the cap counts bytes, not characters: 2,048 three-byte characters are over it', async () => {
      const answer = await report(JSON.stringify({ invalid_token: '€'.repeat(2_048) }));
      expect(errorOf(answer)).toEqual([413, 'body_too_large']);
    });

    it('a report of the longest token, 2,048 ASCII characters, is read', async () => {
      expect((await report(JSON.stringify({ invalid_token: 'x'.repeat(2_048) }))).statusCode).toBe(200);
      expect(errorOf(await report(JSON.stringify({ invalid_token: 'x'.repeat(2_049) })))).toEqual([
        400,
        'invalid_body',
      ]);
    });

    it('base64: capped on the text as received, before decoding; the decoded body is capped too', async () => {
      const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
      const decode = vi.spyOn(Buffer, 'from');
      const large = parsesOfLargeTexts();
      expect((await report(base64(paddedReport(MAX_REFRESH_BODY_BYTES)), true)).statusCode).toBe(200);
      const huge = base64(paddedReport(1024 * 1024));
      decode.mockClear();
      expect(errorOf(await report(huge, true))).toEqual([413, 'body_too_large']);
      expect(decode.mock.calls.some(([input]) => input === huge)).toBe(false);
      expect(errorOf(await report(base64(paddedReport(MAX_REFRESH_BODY_BYTES + 1)), true))).toEqual([
        413,
        'body_too_large',
      ]);
      expect(large()).toBe(0);
    });
  });
});
