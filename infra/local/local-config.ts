import type { ServiceConfig } from '../../shared/config';
import { sensitive } from '../../shared/sensitive';
import { staticSecretReader, type ComponentSecretReader } from '../../shared/secrets';
import { SIMULATOR_CREDENTIALS } from './simulator';

/** The service configuration off AWS (the local runtime, tests, benchmarks): the Lambdas' defaults. */
export function localServiceConfig(input: { tableName: string; wechatApiBase: string } & Partial<ServiceConfig>): ServiceConfig {
  return {
    componentAppId: SIMULATOR_CREDENTIALS.componentAppId,
    secretId: 'local',
    refreshConcurrency: 8,
    renewalMarginMs: 15 * 60_000,
    componentTokenMarginMs: 10 * 60_000,
    leaseMs: 60_000,
    syncPageConcurrency: 4,
    syncWriteConcurrency: 16,
    ...input,
  };
}

/** The component secret off AWS: the simulator's fixed credentials unless others are given. */
export function localSecret(credentials: Partial<Record<keyof typeof SIMULATOR_CREDENTIALS, string>> = {}): ComponentSecretReader {
  const merged = { ...SIMULATOR_CREDENTIALS, ...credentials };
  return staticSecretReader({
    componentAppId: merged.componentAppId,
    componentAppSecret: sensitive(merged.componentAppSecret),
    messageToken: sensitive(merged.messageToken),
    encodingAesKey: sensitive(merged.encodingAesKey),
  });
}
