import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_FOUND_BODY } from '../../functions/common/http.js';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.js';
import { silentLogger } from '../../shared/logger.js';
import { rawRequest } from '../support/getter-raw-http.js';

const A = 'wx0123456789abcdef';
const B = 'wxfedcba9876543210';

/**
 * The local runtime over HTTP, each request target sent byte for byte (not through `fetch`, which
 * would remove the dot segments itself): a path is served only as its route's canonical spelling, as an
 * IAM statement about that path expects (issue 14, point 4).
 */
describe('the local API routes on the path as sent, and the getter serves only canonical paths', () => {
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await startLocalRuntime({
      port: 0,
      authorizers: 0,
      seedAppIds: [A, B],
      refreshEveryMs: 3_600_000,
      syncEveryMs: 3_600_000,
      logger: silentLogger,
    });
  }, 30_000);
  afterAll(() => runtime.close());

  const get = (target: string) => rawRequest(runtime.apiUrl, { method: 'GET', target });

  it('canonical paths are served: an appid its own token, the component token on its route', async () => {
    const a = await get(`/authorizers/${A}/token`);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toMatchObject({ authorizer_appid: A });
    const component = await get('/component/token');
    expect(component.status).toBe(200);
    expect(JSON.parse(component.body)).toHaveProperty('component_access_token');
    expect((await get('/authorizers?limit=5')).status).toBe(200);
  });

  it.each([
    ['dot segments up to the component route', '/authorizers/x/../../component/token'],
    ['dot segments to another appid', `/authorizers/${A}/../${B}/token`],
    ['percent-encoded dot segments', '/authorizers/%2e%2e/token'],
    ['a dot segment as the appid', '/authorizers/../token'],
    ['a single-dot segment as the appid', '/authorizers/./token'],
    ['a single-dot segment elsewhere', `/authorizers/${A}/./token`],
    ['a percent-encoded appid', `/authorizers/%77x${A.slice(2)}/token`],
    [
      'an appid fully percent-encoded',
      `/authorizers/${[...A].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')}/token`,
    ],
    ['encoded slashes climbing to the component route', `/authorizers/${A}%2F..%2F..%2Fcomponent/token`],
    ['an encoded literal segment', `/%61uthorizers/${A}/token`],
    ['a doubled slash at the start', `//authorizers/${A}/token`],
    // new URL() read this as a URL without a host and threw: the old server answered 500.
    ['three slashes, read as a host by new URL()', '///%2F'],
    ['a doubled slash inside', `/authorizers//${A}/token`],
    ['a trailing slash', `/authorizers/${A}/token/`],
    ['a trailing slash on the component route', '/component/token/'],
    ['another case', `/Authorizers/${A}/token`],
    ['another case at the end', `/authorizers/${A}/TOKEN`],
    ['dots on the list route', '/authorizers/..'],
    ['a component path through dots', '/component/../component/token'],
  ])('%s (%s): 404 Not Found, as a path that is no route, and no token', async (_name, target) => {
    const answer = await get(target);
    expect([answer.status, answer.body]).toEqual([404, NOT_FOUND_BODY]);
  });

  it('a refresh by a dot path is no route either, and its body is not read as a report', async () => {
    const answer = await rawRequest(runtime.apiUrl, {
      method: 'POST',
      target: `/authorizers/x/../${A}/token/refresh`,
      body: '{"invalid_token":"x"}',
    });
    expect([answer.status, answer.body]).toEqual([404, NOT_FOUND_BODY]);
  });

  it('a query parameter the route does not take, and a repeated limit, are refused', async () => {
    const unknown = await get(`/authorizers/${A}/token?debug=1`);
    expect([unknown.status, JSON.parse(unknown.body).error]).toEqual([400, 'invalid_query']);
    // Names an object literal would swallow or inherit are parameters like any other, as in AWS
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const inherited = await get(`/authorizers/${A}/token?${name}=x`);
      expect([inherited.status, JSON.parse(inherited.body).error]).toEqual([400, 'invalid_query']);
    }
    const repeated = await get('/authorizers?limit=5&limit=6');
    expect([repeated.status, JSON.parse(repeated.body).error]).toEqual([400, 'invalid_limit']);
  });
});
