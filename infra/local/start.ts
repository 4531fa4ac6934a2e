// `npm start`: the whole product on this machine (see runtime.ts), until Ctrl-C.
import type { Logger } from '../../shared/logger.js';
import { LocalSettingError, LocalStartError } from './errors.js';
import { LANDING_PATH, parseReturnUrls } from './onboarding-settings.js';
import { MAX_PORT } from './port.js';
import { type LocalRuntime, startLocalRuntime } from './runtime.js';
import { parseSeedAppIds } from './seed.js';

/** A setting that cannot be used: one line and exit 2, before anything starts. */
function refuse(message: string): never {
  console.error(message);
  process.exit(2);
}

function intFromEnv(name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max)
    refuse(`${name} must be a whole number from 0 to ${max}, got "${raw}"`);
  return value;
}

function appIdsFromEnv(name: string): string[] {
  return settingFromEnv(() => parseSeedAppIds(process.env[name], name));
}

function settingFromEnv<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof LocalSettingError) refuse(error.message);
    throw error;
  }
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

// Ctrl-C once: the runs in flight are cut short and everything stops cleanly (exit 0); twice: exit at
// once (130, as a shell reports an interrupt). Listened to from the start, so the first sync of many
// accounts can be interrupted too.
const interrupted = new AbortController();
let runtime: LocalRuntime | undefined;
const stop = (): void => {
  if (interrupted.signal.aborted) {
    console.log('stopping now');
    process.exit(130);
  }
  interrupted.abort();
  console.log('stopping: the runs in flight are cut short (Ctrl-C again to exit at once)');
  if (runtime) closeAndExit(runtime);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

function closeAndExit(started: LocalRuntime): void {
  started.abortRuns();
  started.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`could not stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

const env = (name: string) => process.env[name] || undefined;
/**
 * A port or data folder in use or unusable is the user's to fix: one line saying what to do, not a stack
 * trace, exit 1 (a setting refused by the runtime: exit 2, as those refused above).
 */
async function start(options: Parameters<typeof startLocalRuntime>[0]): Promise<LocalRuntime> {
  try {
    return await startLocalRuntime(options);
  } catch (error) {
    if (error instanceof LocalSettingError) refuse(error.message);
    if (!(error instanceof LocalStartError)) throw error;
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
}

const options = {
  port: intFromEnv('PORT', 3000, MAX_PORT),
  authorizers: intFromEnv('WECHAT_SIM_AUTHORIZERS', 1_200),
  seedAppIds: appIdsFromEnv('WECHAT_SIM_APPIDS'),
  progressEveryMs: intFromEnv('WECHAT_LOCAL_PROGRESS_MS', 2_000) || undefined,
  dataPath: env('WECHAT_LOCAL_DATA'),
  onboardingReturnUrls: settingFromEnv(() => parseReturnUrls(env('ONBOARDING_RETURN_URLS'), 'ONBOARDING_RETURN_URLS')),
};
runtime = await start({
  ...options,
  ...(env('WECHAT_COMPONENT_APPID') ? { componentAppId: env('WECHAT_COMPONENT_APPID') ?? '' } : {}),
  ...(env('WECHAT_COMPONENT_SECRET') ? { componentAppSecret: env('WECHAT_COMPONENT_SECRET') ?? '' } : {}),
  ...(env('WECHAT_MESSAGE_TOKEN') ? { messageToken: env('WECHAT_MESSAGE_TOKEN') ?? '' } : {}),
  ...(env('WECHAT_ENCODING_AES_KEY') ? { encodingAesKey: env('WECHAT_ENCODING_AES_KEY') ?? '' } : {}),
  wechatApiBase: env('WECHAT_API_BASE'),
  signal: interrupted.signal,
  logger,
});
if (interrupted.signal.aborted) closeAndExit(runtime);
else announce(runtime);

function announce({ apiUrl: api, simulator }: LocalRuntime): void {
  const someAppId = options.seedAppIds[0] ?? simulator.world.population.listing()[0]?.appId ?? 'wx0000000000000000';
  console.log(`ready: API at ${api} (IAM is not checked locally)`);
  console.log('try:');
  console.log(`  curl -s ${api}/authorizers?limit=3`);
  console.log(`  curl -s ${api}/authorizers/${someAppId}/token`);
  console.log(
    `  curl -s -X POST ${api}/authorizers/${someAppId}/token/refresh -d '{"invalid_token":"<a token WeChat refused>"}'`,
  );
  console.log(`  curl -s ${api}/component/token`);
  console.log(`  curl -s ${api}/__local/status`);
  const returnUrl = options.onboardingReturnUrls?.[0] ?? `${api}${LANDING_PATH}`;
  console.log(
    `  curl -s -X POST ${api}/authorizations -d '{"kind":"pc","return_url":"${returnUrl}"}'   # then open its authorize_url in a browser`,
  );
  console.log(`  curl -s ${api}/__local/events`);
  console.log(`  curl -s -X POST ${api}/__sim/clock/advance -d '{"minutes":120}'`);
  console.log(`  curl -s -X POST ${api}/__local/refresh`);
  console.log(`  curl -s ${simulator.url}/__sim/counters`);
}
