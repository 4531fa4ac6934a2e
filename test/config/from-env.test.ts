import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from '../../shared/config/index.js';
import { errorLogFields } from '../../shared/errors.js';

const minimal = {
  COMPONENT_APPID: 'wx5e1a0c0ffee0c0de',
  TABLE_NAME: 'tokens',
  COMPONENT_SECRET_ARN: 'arn:aws:secretsmanager:x',
};

describe('configFromEnv', () => {
  it('applies the documented defaults', () => {
    expect(configFromEnv(minimal)).toEqual({
      componentAppId: 'wx5e1a0c0ffee0c0de',
      tableName: 'tokens',
      secretId: 'arn:aws:secretsmanager:x',
      wechatApiBase: 'https://api.weixin.qq.com',
      refreshConcurrency: 8,
      renewalMarginMs: 900_000,
      componentTokenMarginMs: 600_000,
      leaseMs: 30_000,
      syncPageConcurrency: 4,
      syncWriteConcurrency: 16,
      onboardingBaseUrl: undefined,
      onboardingReturnUrls: [],
      onboardingSessionMs: 3_600_000,
      wechatPcAuthorizeBase: 'https://mp.weixin.qq.com',
      wechatH5AuthorizeBase: 'https://open.weixin.qq.com',
      accountInfoRefreshMs: 86_400_000,
      accountInfoChecksPerRun: 5_000,
      eventBusName: undefined,
      dynamoEndpoint: undefined,
    });
  });

  it('reads the onboarding and events settings, and refuses a return URL list entry that is not an origin and path', () => {
    const config = configFromEnv({
      ...minimal,
      ONBOARDING_BASE_URL: 'https://hub.example.com',
      ONBOARDING_RETURN_URLS: ' https://admin.example.com/onboarded , http://127.0.0.1:8080/done ',
      EVENT_BUS_NAME: ' bus ',
    });
    expect(config.onboardingBaseUrl).toBe('https://hub.example.com');
    expect(config.onboardingReturnUrls).toEqual(['https://admin.example.com/onboarded', 'http://127.0.0.1:8080/done']);
    expect(config.eventBusName).toBe('bus');
    for (const bad of [
      'http://admin.example.com/x',
      'https://u:p@admin.example.com/',
      'https://a.example/?q=1',
      'nope',
    ])
      expect(() => configFromEnv({ ...minimal, ONBOARDING_RETURN_URLS: bad })).toThrow(/ONBOARDING_RETURN_URLS/);
  });

  it('reports every problem at once', () => {
    const error = (() => {
      try {
        configFromEnv({ REFRESH_CONCURRENCY: 'lots', LEASE_SECONDS: '600', WECHAT_API_BASE: 'ftp://x' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'COMPONENT_APPID is required',
      'TABLE_NAME is required',
      'COMPONENT_SECRET_ARN is required',
      // (Not quoted since issue 13: the message is logged, and a URL can carry a password.)
      'WECHAT_API_BASE must be an http(s) URL with no user or password in it (its value is not repeated here)',
      'REFRESH_CONCURRENCY must be a whole number from 1 to 64, got "lots"',
      'LEASE_SECONDS must be a whole number from 20 to 120, got "600"',
    ]);
  });

  it.each([
    'ftp://svc:S3cretPass@proxy.internal',
    'https//svc:S3cretPass@proxy.internal',
    'https://svc:S3cretPass@proxy.internal',
  ])('a URL setting holding a password (%s) is refused without repeating it', (value) => {
    const error = (() => {
      try {
        configFromEnv({ ...minimal, WECHAT_API_BASE: value });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(JSON.stringify(errorLogFields(error))).toContain('WECHAT_API_BASE must be an http(s) URL');
    expect(JSON.stringify(errorLogFields(error))).not.toContain('S3cretPass');
  });

  it('has no setting for the secret itself', () => {
    const config = configFromEnv({ ...minimal, COMPONENT_SECRET: 'should-be-ignored' });
    expect(JSON.stringify(config)).not.toContain('should-be-ignored');
  });
});
