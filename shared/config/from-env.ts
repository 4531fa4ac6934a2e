import { ConfigError } from './errors.js';
import {
  inConfigUnits,
  isInRange,
  type RequiredTextSetting,
  rangeText,
  SETTINGS,
  type ServiceConfig,
  type TextSetting,
  type UrlListSetting,
  type UrlSetting,
  type WholeNumberSetting,
} from './settings.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and checks the environment by the settings table, reporting every problem at once rather than the first. */
export function configFromEnv(env: Env = process.env): ServiceConfig {
  const problems: string[] = [];
  const required = (setting: RequiredTextSetting): string => {
    const value = env[setting.env]?.trim();
    if (!value) problems.push(`${setting.env} is required`);
    return value ?? '';
  };
  const whole = (setting: WholeNumberSetting): number => {
    const raw = env[setting.env]?.trim();
    if (!raw) return inConfigUnits(setting, setting.default);
    const value = Number(raw);
    if (!isInRange(setting, value)) problems.push(`${setting.env} must be ${rangeText(setting)}, got "${raw}"`);
    return inConfigUnits(setting, value);
  };
  const url = (setting: UrlSetting): string | undefined => {
    const raw = env[setting.env]?.trim() || setting.default;
    if (raw === undefined) return undefined;
    // The value is not repeated: this message is logged (an OperatorError), and a URL can carry a
    // password, which belongs in no environment variable either.
    const parsed = URL.canParse(raw) ? new URL(raw) : undefined;
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.username !== '' || parsed.password !== '')
      problems.push(
        `${setting.env} must be an http(s) URL with no user or password in it (its value is not repeated here)`,
      );
    return raw;
  };
  const text = (setting: TextSetting): string | undefined => env[setting.env]?.trim() || undefined;
  const urlList = (setting: UrlListSetting): string[] => {
    const entries = (env[setting.env] ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    if (!entries.every(isAllowedListUrl))
      problems.push(
        `${setting.env} must be comma-separated https URLs (http only on loopback) with no user, password, query or fragment`,
      );
    return entries;
  };

  const config: ServiceConfig = {
    componentAppId: required(SETTINGS.componentAppId),
    tableName: required(SETTINGS.tableName),
    secretId: required(SETTINGS.secretId),
    wechatApiBase: url(SETTINGS.wechatApiBase) ?? SETTINGS.wechatApiBase.default,
    refreshConcurrency: whole(SETTINGS.refreshConcurrency),
    renewalMarginMs: whole(SETTINGS.renewalMarginMs),
    componentTokenMarginMs: whole(SETTINGS.componentTokenMarginMs),
    leaseMs: whole(SETTINGS.leaseMs),
    syncPageConcurrency: whole(SETTINGS.syncPageConcurrency),
    syncWriteConcurrency: whole(SETTINGS.syncWriteConcurrency),
    onboardingBaseUrl: url(SETTINGS.onboardingBaseUrl),
    onboardingReturnUrls: urlList(SETTINGS.onboardingReturnUrls),
    onboardingSessionMs: whole(SETTINGS.onboardingSessionMs),
    wechatPcAuthorizeBase: url(SETTINGS.wechatPcAuthorizeBase) ?? SETTINGS.wechatPcAuthorizeBase.default,
    wechatH5AuthorizeBase: url(SETTINGS.wechatH5AuthorizeBase) ?? SETTINGS.wechatH5AuthorizeBase.default,
    accountInfoRefreshMs: whole(SETTINGS.accountInfoRefreshMs),
    accountInfoChecksPerRun: whole(SETTINGS.accountInfoChecksPerRun),
    eventBusName: text(SETTINGS.eventBusName),
    dynamoEndpoint: url(SETTINGS.dynamoEndpoint),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * An entry of a URL list setting: https (http only on loopback, for the local runtime), no credentials,
 * no query or fragment (an entry is an origin and a path prefix).
 */
export function isAllowedListUrl(entry: string): boolean {
  if (!URL.canParse(entry)) return false;
  const parsed = new URL(entry);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  const scheme = parsed.protocol === 'https:' || (parsed.protocol === 'http:' && loopback);
  return scheme && parsed.username === '' && parsed.password === '' && parsed.search === '' && parsed.hash === '';
}
