import { CONFIG_DEFAULTS, type ServiceConfig } from '../../shared/config/index.js';
import { type ComponentSecretReader, staticSecretReader } from '../../shared/secrets.js';
import { sensitive } from '../../shared/sensitive.js';
import { SIMULATOR_CREDENTIALS } from '../../simulator/index.js';

/**
 * The service configuration off AWS (the local runtime, tests, benchmarks): the Lambdas' own defaults
 * (the settings table's, as `configFromEnv` applies them), with the table and WeChat endpoint given.
 */
export function localServiceConfig(
  input: { tableName: string; wechatApiBase: string } & Partial<ServiceConfig>,
): ServiceConfig {
  return {
    ...CONFIG_DEFAULTS,
    componentAppId: SIMULATOR_CREDENTIALS.componentAppId,
    secretId: 'local',
    dynamoEndpoint: undefined,
    ...input,
  };
}

/** The component secret off AWS: the simulator's fixed credentials unless others are given. */
export function localSecret(
  credentials: Partial<Record<keyof typeof SIMULATOR_CREDENTIALS, string>> = {},
): ComponentSecretReader {
  const merged = { ...SIMULATOR_CREDENTIALS, ...credentials };
  return staticSecretReader({
    componentAppId: merged.componentAppId,
    componentAppSecret: sensitive(merged.componentAppSecret),
    messageToken: sensitive(merged.messageToken),
    encodingAesKey: sensitive(merged.encodingAesKey),
  });
}
