// `npm start`: the whole product on this machine (see runtime.ts), until Ctrl-C.
import type { Logger } from '../../shared/logger.js';
import { LocalStartError } from './errors.js';
import { type LocalRuntime, startLocalRuntime } from './runtime.js';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`${name} must be a whole number ≥ 0, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

/** Human-readable lines for a terminal; the Lambdas log JSON through Powertools instead. */
const logger: Logger = {
  debug: () => undefined,
  info: (message, attributes) => console.log(attributes ? `${message} ${JSON.stringify(attributes)}` : message),
  warn: (message, attributes) =>
    console.warn(`warning: ${message}${attributes ? ` ${JSON.stringify(attributes)}` : ''}`),
  error: (message, attributes) =>
    console.error(`error: ${message}${attributes ? ` ${JSON.stringify(attributes)}` : ''}`),
};

const env = (name: string) => process.env[name] || undefined;
/** A port or data folder in use is the user's to fix: one line saying what to do, not a stack trace. */
async function start(options: Parameters<typeof startLocalRuntime>[0]): Promise<LocalRuntime> {
  try {
    return await startLocalRuntime(options);
  } catch (error) {
    if (!(error instanceof LocalStartError)) throw error;
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
}

const runtime = await start({
  port: intFromEnv('PORT', 3000),
  authorizers: intFromEnv('WECHAT_SIM_AUTHORIZERS', 1_200),
  dataPath: env('WECHAT_LOCAL_DATA'),
  ...(env('WECHAT_COMPONENT_APPID') ? { componentAppId: env('WECHAT_COMPONENT_APPID') ?? '' } : {}),
  ...(env('WECHAT_COMPONENT_SECRET') ? { componentAppSecret: env('WECHAT_COMPONENT_SECRET') ?? '' } : {}),
  ...(env('WECHAT_MESSAGE_TOKEN') ? { messageToken: env('WECHAT_MESSAGE_TOKEN') ?? '' } : {}),
  ...(env('WECHAT_ENCODING_AES_KEY') ? { encodingAesKey: env('WECHAT_ENCODING_AES_KEY') ?? '' } : {}),
  wechatApiBase: env('WECHAT_API_BASE'),
  logger,
});

const someAppId = runtime.simulator.world.population.listing()[0]?.appId ?? 'wx0000000000000000';
console.log(`ready: API at ${runtime.apiUrl} (IAM is not checked locally)`);
console.log('try:');
console.log(`  curl -s ${runtime.apiUrl}/authorizers?limit=3`);
console.log(`  curl -s ${runtime.apiUrl}/authorizers/${someAppId}/token`);
console.log(
  `  curl -s -X POST ${runtime.apiUrl}/authorizers/${someAppId}/token/refresh -d '{"invalid_token":"<a token WeChat refused>"}'`,
);
console.log(`  curl -s ${runtime.apiUrl}/component/token`);
console.log(`  curl -s ${runtime.simulator.url}/__sim/counters`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  console.log('stopping');
  runtime.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`could not stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
