import { describe, expect, it } from 'vitest';
import { authorizeLink } from '../../shared/onboarding/index.js';
import { sensitive } from '../../shared/sensitive.js';

// WeChat's authorization links in the documented forms (docs/design/onboarding.md cites them).

const bases = { pc: 'https://mp.weixin.qq.com', h5: 'https://open.weixin.qq.com/' };
const request = {
  componentAppId: 'wxcomponent0000001',
  preAuthCode: sensitive('preauthcode@@@abc-DEF_123'),
  redirectUri: 'https://hub.example.com/authorize/callback?session=S1',
  authType: 3 as const,
};

describe('authorizeLink', () => {
  it('PC: componentloginpage with the parameters in WeChat order, each percent-encoded', () => {
    const link = authorizeLink(bases, { ...request, kind: 'pc' }).reveal();
    expect(link).toBe(
      'https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wxcomponent0000001' +
        '&pre_auth_code=preauthcode%40%40%40abc-DEF_123' +
        '&redirect_uri=https%3A%2F%2Fhub.example.com%2Fauthorize%2Fcallback%3Fsession%3DS1&auth_type=3',
    );
    const url = new URL(link);
    expect(url.searchParams.get('pre_auth_code')).toBe('preauthcode@@@abc-DEF_123');
    expect(url.searchParams.get('redirect_uri')).toBe(request.redirectUri);
    expect(url.searchParams.has('biz_appid')).toBe(false);
  });

  it('H5: bindcomponent with action and no_scan first, biz_appid when given, and #wechat_redirect', () => {
    const link = authorizeLink(bases, { ...request, kind: 'h5', authType: 2, bizAppId: 'wx1234567890abcdef' }).reveal();
    expect(link).toBe(
      'https://open.weixin.qq.com/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1' +
        '&component_appid=wxcomponent0000001&pre_auth_code=preauthcode%40%40%40abc-DEF_123' +
        '&redirect_uri=https%3A%2F%2Fhub.example.com%2Fauthorize%2Fcallback%3Fsession%3DS1' +
        '&auth_type=2&biz_appid=wx1234567890abcdef#wechat_redirect',
    );
    expect(new URL(link).hash).toBe('#wechat_redirect');
  });

  it('is Sensitive: it holds a live pre-auth code, so it prints redacted', () => {
    const link = authorizeLink(bases, { ...request, kind: 'pc' });
    expect(`${link}`).toBe('[redacted]');
    expect(JSON.stringify({ link })).not.toContain('preauthcode');
  });
});
