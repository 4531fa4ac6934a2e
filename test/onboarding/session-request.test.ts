import { describe, expect, it } from 'vitest';
import { MAX_ONBOARDING_BODY_BYTES, readSessionBody } from '../../shared/onboarding/index.js';

const read = (body: unknown, kind: 'session' | 'link' = 'session') =>
  readSessionBody(typeof body === 'string' ? body : JSON.stringify(body), false, kind);
const base = { kind: 'pc', return_url: 'https://p.example/x' };

describe('readSessionBody', () => {
  it('reads a session: auth_type 3 by default; biz_appid and state kept', () => {
    expect(read(base)).toEqual({
      kind: 'ok',
      request: { kind: 'pc', authType: 3, bizAppId: undefined, returnUrl: 'https://p.example/x', state: undefined },
    });
    expect(read({ ...base, kind: 'h5', auth_type: 1, biz_appid: 'wx1', state: 's'.repeat(512) })).toMatchObject({
      kind: 'ok',
      request: { kind: 'h5', authType: 1, bizAppId: 'wx1', state: 's'.repeat(512) },
    });
  });

  it('reads a bare link by its redirect_uri, and refuses return_url or state there', () => {
    expect(read({ kind: 'pc', redirect_uri: 'https://p.example/x' }, 'link')).toMatchObject({
      kind: 'ok',
      request: { returnUrl: 'https://p.example/x' },
    });
    expect(read(base, 'link')).toEqual({ kind: 'invalid' });
    expect(read({ kind: 'pc', redirect_uri: 'https://p.example/x', state: 'a' }, 'link')).toEqual({ kind: 'invalid' });
  });

  it('refuses unknown fields, wrong kinds and auth types, a long state, a bad appid, non-JSON', () => {
    for (const body of [
      { ...base, retrun_url: 'x' },
      { ...base, kind: 'mobile' },
      { ...base, auth_type: 4 },
      { ...base, auth_type: '3' },
      { ...base, auth_type: 0 },
      { ...base, state: 's'.repeat(513) },
      { ...base, biz_appid: 'wx 1' },
      { kind: 'pc' },
      { ...base, return_url: '' },
      [base],
      'not json',
      'null',
    ])
      expect(read(body), JSON.stringify(body)).toEqual({ kind: 'invalid' });
    expect(readSessionBody(undefined, false, 'session')).toEqual({ kind: 'invalid' });
  });

  it('refuses a body over 4 KiB unread, base64 too', () => {
    const big = JSON.stringify({ ...base, state: 'x' }).replace('}', `${' '.repeat(MAX_ONBOARDING_BODY_BYTES)}}`);
    expect(read(big)).toEqual({ kind: 'invalid' });
    const ok = JSON.stringify(base);
    expect(readSessionBody(Buffer.from(ok).toString('base64'), true, 'session').kind).toBe('ok');
    expect(readSessionBody(Buffer.from(big).toString('base64'), true, 'session')).toEqual({ kind: 'invalid' });
  });
});
