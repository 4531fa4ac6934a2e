import {
  DEFAULT_COMPONENT_TOKEN_MARGIN_MS,
  DEFAULT_LEASE_MS,
  DEFAULT_RENEWAL_MARGIN_MS,
  LEASE_SAFETY_MS,
  TRUST_WINDOW_MS,
} from '../tokens/trust.js';
import { WECHAT_API_BASE } from '../wechat/client.js';

/** Everything a Lambda of this product is configured with, from its environment. No secret is here. */
export interface ServiceConfig {
  readonly componentAppId: string;
  readonly tableName: string;
  /** ARN (or name) of the Secrets Manager secret holding the component's credentials. */
  readonly secretId: string;
  readonly wechatApiBase: string;
  readonly refreshConcurrency: number;
  readonly renewalMarginMs: number;
  readonly componentTokenMarginMs: number;
  readonly leaseMs: number;
  readonly syncPageConcurrency: number;
  readonly syncWriteConcurrency: number;
  /** The hub's public base URL (its custom domain): where `authorize_url` and WeChat's `redirect_uri` point. */
  readonly onboardingBaseUrl?: string | undefined;
  /** The allowed `return_url`s of onboarding sessions (and `redirect_uri`s of bare links): origin and path prefix each. */
  readonly onboardingReturnUrls: readonly string[];
  /** How long a session's `authorize_url` can be opened. */
  readonly onboardingSessionMs: number;
  /** Where WeChat's PC authorization page is (`/cgi-bin/componentloginpage`); the simulator's locally. */
  readonly wechatPcAuthorizeBase: string;
  /** Where WeChat's H5 authorization page is (`/wxaopen/safe/bindcomponent`); the simulator's locally. */
  readonly wechatH5AuthorizeBase: string;
  /** How often at most the sync asks WeChat for one account's information (api_get_authorizer_info). */
  readonly accountInfoRefreshMs: number;
  /** The most api_get_authorizer_info calls one sync makes. */
  readonly accountInfoChecksPerRun: number;
  /** The EventBridge bus the events function publishes the lifecycle events to (the events function only). */
  readonly eventBusName?: string | undefined;
  /** Only for the local runtime and tests: a DynamoDB-protocol server on loopback. */
  readonly dynamoEndpoint?: string | undefined;
}

interface SettingBase {
  /** The environment variable the Lambdas read it from. */
  readonly env: string;
  readonly doc: string;
}

/** A value the deployment must give (no default). */
export interface RequiredTextSetting extends SettingBase {
  readonly kind: 'required';
}

/** An http(s) URL; without a default, the setting may be absent. */
export interface UrlSetting extends SettingBase {
  readonly kind: 'url';
  readonly default?: string;
}

/** Optional free text (a name); absent when not set. */
export interface TextSetting extends SettingBase {
  readonly kind: 'text';
}

/** A comma-separated list of https URLs (http only on loopback); empty when not set. */
export interface UrlListSetting extends SettingBase {
  readonly kind: 'urlList';
}

/** A whole number in a range. `seconds` settings are held in `ServiceConfig` in milliseconds. */
export interface WholeNumberSetting extends SettingBase {
  readonly kind: 'whole';
  readonly unit: 'count' | 'seconds';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

export type Setting = RequiredTextSetting | UrlSetting | WholeNumberSetting | TextSetting | UrlListSetting;

/**
 * The one table of the product's settings: for each field of `ServiceConfig`, its environment variable,
 * default, range, unit and meaning. `configFromEnv` reads and checks the environment by it, the CDK
 * construct writes the Lambdas' environment and checks its props by it, the local runtime and the
 * renewers take their defaults from it. Its order is the order problems are reported in.
 */
export const SETTINGS = {
  componentAppId: { kind: 'required', env: 'COMPONENT_APPID', doc: "The third-party platform's AppId." },
  tableName: { kind: 'required', env: 'TABLE_NAME', doc: 'The DynamoDB table of tokens.' },
  secretId: {
    kind: 'required',
    env: 'COMPONENT_SECRET_ARN',
    doc: "The Secrets Manager secret of the component's credentials.",
  },
  wechatApiBase: {
    kind: 'url',
    env: 'WECHAT_API_BASE',
    default: WECHAT_API_BASE,
    doc: "WeChat's API endpoint (another one for the simulator).",
  },
  refreshConcurrency: {
    kind: 'whole',
    env: 'REFRESH_CONCURRENCY',
    unit: 'count',
    default: 8,
    min: 1,
    max: 64,
    doc: 'Renewals in flight in a scheduled refresh run.',
  },
  renewalMarginMs: {
    kind: 'whole',
    env: 'RENEWAL_MARGIN_SECONDS',
    unit: 'seconds',
    default: DEFAULT_RENEWAL_MARGIN_MS / 1000,
    min: 60,
    max: 3_600,
    doc: "How long before an authorizer token's expiry the scheduled refresh renews it.",
  },
  componentTokenMarginMs: {
    kind: 'whole',
    env: 'COMPONENT_TOKEN_MARGIN_SECONDS',
    unit: 'seconds',
    default: DEFAULT_COMPONENT_TOKEN_MARGIN_MS / 1000,
    min: 60,
    max: 3_600,
    doc: 'How long before its expiry the component access token is renewed.',
  },
  // Longer than a renewal's WeChat calls, at most half the trust window: the rule is trust.ts's validateLeaseMs.
  leaseMs: {
    kind: 'whole',
    env: 'LEASE_SECONDS',
    unit: 'seconds',
    default: DEFAULT_LEASE_MS / 1000,
    min: LEASE_SAFETY_MS / 500,
    max: TRUST_WINDOW_MS / 2000,
    doc: 'The renewal lease: how long one holder may renew a token before another may take over.',
  },
  syncPageConcurrency: {
    kind: 'whole',
    env: 'SYNC_PAGE_CONCURRENCY',
    unit: 'count',
    default: 4,
    min: 1,
    max: 32,
    doc: 'Pages of the authorizer list fetched at once by the sync.',
  },
  syncWriteConcurrency: {
    kind: 'whole',
    env: 'SYNC_WRITE_CONCURRENCY',
    unit: 'count',
    default: 16,
    min: 1,
    max: 128,
    doc: 'Authorizer records written at once by the sync.',
  },
  onboardingBaseUrl: {
    kind: 'url',
    env: 'ONBOARDING_BASE_URL',
    doc: "The hub's public base URL (its custom domain, registered with WeChat as 授权发起页域名).",
  },
  onboardingReturnUrls: {
    kind: 'urlList',
    env: 'ONBOARDING_RETURN_URLS',
    doc: 'The return_url prefixes an onboarding session may send the browser back to.',
  },
  onboardingSessionMs: {
    kind: 'whole',
    env: 'ONBOARDING_SESSION_SECONDS',
    unit: 'seconds',
    default: 3_600,
    min: 300,
    max: 86_400,
    doc: "How long an onboarding session's authorize_url can be opened.",
  },
  wechatPcAuthorizeBase: {
    kind: 'url',
    env: 'WECHAT_PC_AUTHORIZE_BASE',
    default: 'https://mp.weixin.qq.com',
    doc: "WeChat's PC authorization page's origin (the simulator's locally).",
  },
  wechatH5AuthorizeBase: {
    kind: 'url',
    env: 'WECHAT_H5_AUTHORIZE_BASE',
    default: 'https://open.weixin.qq.com',
    doc: "WeChat's H5 authorization page's origin (the simulator's locally).",
  },
  accountInfoRefreshMs: {
    kind: 'whole',
    env: 'ACCOUNT_INFO_REFRESH_SECONDS',
    unit: 'seconds',
    default: 86_400,
    min: 3_600,
    max: 30 * 86_400,
    doc: "How often at most the sync asks WeChat for one account's information.",
  },
  accountInfoChecksPerRun: {
    kind: 'whole',
    env: 'ACCOUNT_INFO_CHECKS_PER_RUN',
    unit: 'count',
    default: 5_000,
    min: 0,
    max: 100_000,
    doc: 'The most api_get_authorizer_info calls one sync makes.',
  },
  eventBusName: {
    kind: 'text',
    env: 'EVENT_BUS_NAME',
    doc: 'The EventBridge bus the lifecycle events are published to (the events function only).',
  },
  dynamoEndpoint: {
    kind: 'url',
    env: 'DYNAMODB_ENDPOINT',
    doc: 'Only off AWS: a DynamoDB-protocol server on loopback.',
  },
} as const satisfies { readonly [Field in keyof ServiceConfig]-?: Setting };

/** A whole-number setting's value as `ServiceConfig` holds it (seconds become milliseconds). */
export function inConfigUnits(setting: WholeNumberSetting, value: number): number {
  return setting.unit === 'seconds' ? value * 1000 : value;
}

export function isInRange(setting: WholeNumberSetting, value: number): boolean {
  return Number.isInteger(value) && value >= setting.min && value <= setting.max;
}

/** What a value of the setting must be, for error messages: "a whole number from 20 to 120". */
export function rangeText(setting: WholeNumberSetting): string {
  return `a whole number from ${setting.min} to ${setting.max}`;
}

/** The settings that have a default, with it, in `ServiceConfig`'s units: what a configuration starts from. */
export type ConfigDefaults = Omit<
  ServiceConfig,
  'componentAppId' | 'tableName' | 'secretId' | 'dynamoEndpoint' | 'onboardingBaseUrl' | 'eventBusName'
>;

export const CONFIG_DEFAULTS: ConfigDefaults = {
  wechatApiBase: SETTINGS.wechatApiBase.default,
  refreshConcurrency: inConfigUnits(SETTINGS.refreshConcurrency, SETTINGS.refreshConcurrency.default),
  renewalMarginMs: inConfigUnits(SETTINGS.renewalMarginMs, SETTINGS.renewalMarginMs.default),
  componentTokenMarginMs: inConfigUnits(SETTINGS.componentTokenMarginMs, SETTINGS.componentTokenMarginMs.default),
  leaseMs: inConfigUnits(SETTINGS.leaseMs, SETTINGS.leaseMs.default),
  syncPageConcurrency: inConfigUnits(SETTINGS.syncPageConcurrency, SETTINGS.syncPageConcurrency.default),
  syncWriteConcurrency: inConfigUnits(SETTINGS.syncWriteConcurrency, SETTINGS.syncWriteConcurrency.default),
  onboardingReturnUrls: [],
  onboardingSessionMs: inConfigUnits(SETTINGS.onboardingSessionMs, SETTINGS.onboardingSessionMs.default),
  wechatPcAuthorizeBase: SETTINGS.wechatPcAuthorizeBase.default,
  wechatH5AuthorizeBase: SETTINGS.wechatH5AuthorizeBase.default,
  accountInfoRefreshMs: inConfigUnits(SETTINGS.accountInfoRefreshMs, SETTINGS.accountInfoRefreshMs.default),
  accountInfoChecksPerRun: inConfigUnits(SETTINGS.accountInfoChecksPerRun, SETTINGS.accountInfoChecksPerRun.default),
};

/**
 * The schedules the construct deploys by default. The refresh's period is what the lease is sized
 * against (trust.ts, DEFAULT_LEASE_MS): a lease a holder abandoned is taken over by the next run, within
 * WeChat's grace of the token it left superseded.
 */
export const SCHEDULE_DEFAULTS = {
  refreshEveryMinutes: 1,
  syncEveryMinutes: 60,
} as const;
