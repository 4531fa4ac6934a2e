import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_FOUND_BODY } from '../../functions/common/http.js';
import { canonicalPath, isCanonicalRequest, ROUTES } from '../../shared/api/routes.js';
import { httpApiEvent, tokenEvent } from '../fixtures/api-gateway.js';
import { type ApiTestbed, startApiTestbed } from '../support/api-testbed.js';
import { useDynalite } from '../support/dynalite-fixture.js';

/** The event as API Gateway would hand it over on `stage` (a named stage puts `/<stage>` in front of rawPath). */
const onStage = (event: APIGatewayProxyEventV2, stage: string): APIGatewayProxyEventV2 => ({
  ...event,
  requestContext: { ...event.requestContext, stage },
});

describe('the canonical path of a route (shared/api/routes.ts)', () => {
  it('is the template with its parameters filled in, and nothing else', () => {
    expect(canonicalPath(ROUTES.authorizerToken, { appid: 'wx0123456789abcdef' })).toBe(
      '/authorizers/wx0123456789abcdef/token',
    );
    expect(canonicalPath(ROUTES.componentToken)).toBe('/component/token');
    // Missing, extra, empty, dot and slash-holding parameters have no canonical path.
    expect(canonicalPath(ROUTES.authorizerToken)).toBeUndefined();
    expect(canonicalPath(ROUTES.componentToken, { appid: 'wx0123456789abcdef' })).toBeUndefined();
    for (const appid of ['', '.', '..', 'a/b', '../component'])
      expect(canonicalPath(ROUTES.authorizerToken, { appid })).toBeUndefined();
    // A `$` in a parameter is not a replacement pattern.
    expect(canonicalPath(ROUTES.authorizerToken, { appid: "$'" })).toBe("/authorizers/$'/token");
  });

  it('is prefixed with a named stage, never with $default', () => {
    const pathParameters = { appid: 'wx0123456789abcdef' };
    const rawPath = '/authorizers/wx0123456789abcdef/token';
    expect(isCanonicalRequest(ROUTES.authorizerToken, { rawPath, stage: '$default', pathParameters })).toBe(true);
    expect(
      isCanonicalRequest(ROUTES.authorizerToken, { rawPath: `/prod${rawPath}`, stage: 'prod', pathParameters }),
    ).toBe(true);
    expect(isCanonicalRequest(ROUTES.authorizerToken, { rawPath, stage: 'prod', pathParameters })).toBe(false);
    expect(
      isCanonicalRequest(ROUTES.authorizerToken, { rawPath: `/$default${rawPath}`, stage: '$default', pathParameters }),
    ).toBe(false);
    expect(isCanonicalRequest(ROUTES.authorizerToken, { rawPath: undefined, pathParameters })).toBe(false);
  });
});

describe('the getter refuses a request whose raw path is not its route’s canonical path', () => {
  const backend = useDynalite();
  let bed: ApiTestbed;
  let appId: string;
  let other: string;
  beforeAll(async () => {
    bed = await startApiTestbed(backend());
    await bed.storeTicket();
    [appId = '', other = ''] = await bed.seedAuthorizers(2);
  });
  afterAll(() => bed.close());

  const refused = (answer: { statusCode: number; body: string; headers?: unknown }) => {
    expect([answer.statusCode, answer.body]).toEqual([404, NOT_FOUND_BODY]);
    expect(answer.headers).toEqual({ 'content-type': 'application/json' });
  };

  it('serves the canonical path, on $default and on a named stage', async () => {
    expect((await bed.getter(tokenEvent(appId))).statusCode).toBe(200);
    const staged = onStage({ ...tokenEvent(appId), rawPath: `/prod/authorizers/${appId}/token` }, 'prod');
    expect((await bed.getter(staged)).statusCode).toBe(200);
  });

  it.each([
    ['dot segments a normalizing router sent to the component route', '/authorizers/x/../../component/token'],
    ['a single-dot segment', '/component/./token'],
    ['a trailing slash', '/component/token/'],
    ['a doubled slash', '//component/token'],
    ['another case', '/Component/token'],
  ])('%s: GET /component/token with rawPath %s answers as no route', async (_name, rawPath) => {
    refused(await bed.getter(httpApiEvent({ routeKey: 'GET /component/token', rawPath })));
  });

  it('a percent-encoded appid (rawPath as sent, the appid decoded) is no route', async () => {
    refused(
      await bed.getter({
        ...tokenEvent(appId),
        rawPath: `/authorizers/%${appId.charCodeAt(0).toString(16)}${appId.slice(1)}/token`,
      }),
    );
  });

  it('path parameters that do not spell the raw path: another appid, extra, missing, a dot segment', async () => {
    refused(await bed.getter({ ...tokenEvent(appId), pathParameters: { appid: other } }));
    refused(await bed.getter({ ...tokenEvent(appId), pathParameters: { appid: appId, extra: 'x' } }));
    const { pathParameters: _dropped, ...withoutParameters } = tokenEvent(appId);
    refused(await bed.getter(withoutParameters));
    refused(
      await bed.getter({ ...tokenEvent(appId), rawPath: '/authorizers/../token', pathParameters: { appid: '..' } }),
    );
  });

  it('a named stage must be in front of the path, and $default must not', async () => {
    refused(await bed.getter(onStage(tokenEvent(appId), 'prod')));
    refused(await bed.getter({ ...tokenEvent(appId), rawPath: `/prod/authorizers/${appId}/token` }));
  });

  it('a route key the getter does not serve answers as no route too', async () => {
    refused(await bed.getter(httpApiEvent({ routeKey: 'DELETE /authorizers', rawPath: '/authorizers' })));
    refused(await bed.getter(httpApiEvent({ routeKey: 'POST /wechat/callback', rawPath: '/wechat/callback' })));
  });

  it('an appid that is not an appid, in its canonical path, is still invalid_appid', async () => {
    const answer = await bed.getter(tokenEvent('not an appid!'));
    expect([answer.statusCode, JSON.parse(answer.body).error]).toEqual([400, 'invalid_appid']);
  });
});
