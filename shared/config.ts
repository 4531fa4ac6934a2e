import { DEFAULT_LEASE_MS, LEASE_SAFETY_MS, TRUST_WINDOW_MS } from './tokens/trust';
import { WECHAT_API_BASE } from './wechat';

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
  /** Only for the local runtime and tests: a DynamoDB-protocol server on loopback. */
  readonly dynamoEndpoint?: string | undefined;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and checks the environment, reporting every problem at once rather than the first. */
export function configFromEnv(env: Env = process.env): ServiceConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is required`);
    return value ?? '';
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return value;
  };
  const url = (name: string, fallback: string | undefined): string | undefined => {
    const raw = env[name]?.trim() || fallback;
    if (raw === undefined) return undefined;
    if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) problems.push(`${name} must be an http(s) URL, got "${raw}"`);
    return raw;
  };

  const config: ServiceConfig = {
    componentAppId: required('COMPONENT_APPID'),
    tableName: required('TABLE_NAME'),
    secretId: required('COMPONENT_SECRET_ARN'),
    wechatApiBase: url('WECHAT_API_BASE', WECHAT_API_BASE) ?? WECHAT_API_BASE,
    refreshConcurrency: integer('REFRESH_CONCURRENCY', 8, 1, 64),
    renewalMarginMs: integer('RENEWAL_MARGIN_SECONDS', 900, 60, 3_600) * 1000,
    componentTokenMarginMs: integer('COMPONENT_TOKEN_MARGIN_SECONDS', 600, 60, 3_600) * 1000,
    // Longer than a renewal's WeChat calls, at most half the trust window (see validateLeaseMs).
    leaseMs: integer('LEASE_SECONDS', DEFAULT_LEASE_MS / 1000, LEASE_SAFETY_MS / 500, TRUST_WINDOW_MS / 2000) * 1000,
    syncPageConcurrency: integer('SYNC_PAGE_CONCURRENCY', 4, 1, 32),
    syncWriteConcurrency: integer('SYNC_WRITE_CONCURRENCY', 16, 1, 128),
    dynamoEndpoint: url('DYNAMODB_ENDPOINT', undefined),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
