import { join } from 'node:path';
import { createCallback } from '../../functions/callback/callback.js';
import { createGetter } from '../../functions/getter/getter.js';
import { createOnboarding } from '../../functions/onboarding/onboarding.js';
import type { Logger } from '../../shared/logger.js';
import { OnboardingService } from '../../shared/onboarding-service.js';
import { PushService } from '../../shared/push-service.js';
import { TokenService, wireTokenService } from '../../shared/service.js';
import { createDocumentClient } from '../../shared/store/index.js';
import { SIMULATOR_CREDENTIALS, SimClock, WechatSimulator } from '../../simulator/index.js';
import { SIMULATOR_STATE_FILE, WorldSnapshotSaver } from '../../simulator/state-file.js';
import { startApiServer } from './api-server.js';
import { answerControl } from './control.js';
import { createTable, LOCAL_CLIENT_CONFIG, startDynalite } from './dynamo.js';
import { type PublishedEvent, startLocalEvents } from './event-stream.js';
import { LateHandlers } from './late-handlers.js';
import { localSecret, localServiceConfig } from './local-config.js';
import { localOnboardingSettings, requireReturnUrls } from './onboarding-settings.js';
import { portError, requirePort } from './port.js';
import { loadState, reconcileStoredTokens, tableExists } from './restore.js';
import { LocalRuns } from './runs.js';
import { requireAppIds, seedSimulator } from './seed.js';
import { type LocalStatus, localStatus } from './status.js';
import { WechatCalls } from './wechat-calls.js';

export interface LocalRuntimeOptions {
  readonly port?: number;
  readonly authorizers?: number;
  /**
   * A folder for dynalite's data and the simulator's state (`SIMULATOR_STATE_FILE`), both kept across
   * runs; in memory when omitted.
   */
  readonly dataPath?: string | undefined;
  readonly componentAppId?: string;
  readonly componentAppSecret?: string;
  readonly messageToken?: string;
  readonly encodingAesKey?: string;
  /** Another WeChat endpoint instead of the simulator (which still runs, for its pushes). */
  readonly wechatApiBase?: string | undefined;
  /** Compressed schedules, so that a newcomer sees a sync and renewals within a minute. */
  readonly syncEveryMs?: number;
  readonly refreshEveryMs?: number;
  readonly ticketEveryMs?: number;
  /** How often the simulator's state is saved to the data folder when it changed (and always on close). Default 5 s. */
  readonly stateSaveEveryMs?: number;
  /**
   * Appids made authorized accounts of the simulator before the first sync (besides the `authorizers`
   * it seeds), so that a consumer's test knows its accounts; each must be an appid (`LocalSettingError`).
   */
  readonly seedAppIds?: readonly string[];
  /** A progress line every this often while a sync or refresh lasts. Default 2 s. */
  readonly progressEveryMs?: number | undefined;
  /**
   * The `return_url`s (and bare links' `redirect_uri`s) onboarding sessions may name: origin and path
   * prefix each, https or loopback http (`LocalSettingError` otherwise). Default: the runtime's own
   * landing page, `${apiUrl}/__local/onboarded`.
   */
  readonly onboardingReturnUrls?: readonly string[] | undefined;
  /** Aborted (Ctrl-C during the start): the first sync is aborted, and no run starts, as `abortRuns` does. */
  readonly signal?: AbortSignal;
  readonly logger: Logger;
}

export interface LocalRuntime {
  readonly apiUrl: string;
  readonly simulator: WechatSimulator;
  readonly service: TokenService;
  readonly onboarding: OnboardingService;
  /**
   * The lifecycle events the stand-in bus received, in the order published (`GET /__local/events`),
   * once the emulated stream has caught up with every write made before the call.
   */
  events(): Promise<readonly PublishedEvent[]>;
  /** What `GET /__local/status` answers. */
  status(): Promise<LocalStatus>;
  /**
   * Starts no more runs and aborts those under way (a sync writes no more accounts, a refresh starts no
   * more renewals; those started finish with their tokens stored); `close` then waits for them.
   */
  abortRuns(): void;
  /** Stops everything; waits for a run under way (cut short if `abortRuns` was called first). */
  close(): Promise<void>;
}

const TABLE = 'wechat-authorizer-tokens';

/**
 * The whole product on one machine, with no account and no network: dynalite, the WeChat simulator
 * pushing through the real callback route, the getter and callback routes on loopback, and the sync
 * and refresh schedules on timers. With a data folder, the simulator's state is saved beside the table
 * and restored at the next start, and no stored token the simulator cannot vouch for is served.
 * A port or data folder in use or unusable is a `LocalStartError`; a port out of range a `LocalSettingError`.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const credentials = {
    componentAppId: options.componentAppId ?? SIMULATOR_CREDENTIALS.componentAppId,
    componentAppSecret: options.componentAppSecret ?? SIMULATOR_CREDENTIALS.componentAppSecret,
    messageToken: options.messageToken ?? SIMULATOR_CREDENTIALS.messageToken,
    encodingAesKey: options.encodingAesKey ?? SIMULATOR_CREDENTIALS.encodingAesKey,
  };
  // What is started is stopped again, in reverse order, if a later step fails (a port in use).
  const started: Array<() => Promise<void>> = [];
  try {
    return await startParts(options, credentials, started);
  } catch (error) {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

async function startParts(
  options: LocalRuntimeOptions,
  credentials: { componentAppId: string; componentAppSecret: string; messageToken: string; encodingAesKey: string },
  started: Array<() => Promise<void>>,
): Promise<LocalRuntime> {
  const { logger } = options;
  requireAppIds(options.seedAppIds ?? []);
  requirePort(options.port ?? 3000);
  requireReturnUrls(options.onboardingReturnUrls);
  // The API listens first: the onboarding's URLs are its own (late-handlers.ts).
  const late = new LateHandlers();
  const port = options.port ?? 3000;
  const api = await startApiServer({ ...late.handlers, port }).catch((error: unknown) => {
    throw portError(error, port) ?? error;
  });
  started.push(async () => {
    late.abandon();
    await api.close();
  });
  const dynamo = await startDynalite(options.dataPath ? { path: options.dataPath } : {});
  started.push(() => dynamo.close());
  const tableWasThere = await tableExists(dynamo.endpoint, TABLE);
  if (!tableWasThere) await createTable(dynamo.endpoint, TABLE);

  const stateFile = options.dataPath ? join(options.dataPath, SIMULATOR_STATE_FILE) : undefined;
  const state = stateFile ? await loadState(stateFile, credentials.componentAppId) : undefined;
  const restored = state?.snapshot;
  const simulator = await WechatSimulator.start({
    ...credentials,
    authorizers: options.authorizers ?? 1_200,
    // WeChat opens its authorization page only from the registered domain: locally, the hub's.
    authorizationDomain: new URL(api.url).hostname,
    callbackUrl: `${api.url}/wechat/callback`,
    ...(restored
      ? { restore: restored, clock: SimClock.resume(restored.savedAt, { frozen: false }) }
      : { clock: new SimClock({ frozen: false }) }),
  });
  started.push(() => simulator.close());
  const seeded = seedSimulator(simulator, options.seedAppIds ?? []);
  const accounts = simulator.world.population.listing().length;
  const requested = options.authorizers ?? 1_200;
  const origin = restored
    ? ` (its state restored from ${stateFile}${accounts === requested ? '' : `; the ${requested} asked for apply to a new state only`})`
    : '';
  logger.info(`WeChat simulator at ${simulator.url} with ${accounts} authorizers${origin}`);
  if (seeded.length > 0) logger.info(`seeded as authorized accounts: ${seeded.join(', ')}`);

  const doc = createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: dynamo.endpoint });
  started.push(async () => doc.destroy());
  // Before the API serves: a stored token the simulator does not vouch for is never handed out.
  if (stateFile && tableWasThere && options.wechatApiBase === undefined) {
    await reconcileStoredTokens(doc, simulator, { table: TABLE, stateFile, restored, problem: state?.problem, logger });
  } else if (stateFile && state?.problem !== undefined && state.problem !== 'missing') {
    logger.warn(`the WeChat simulator state ${stateFile} is ${state.problem}: the simulator starts anew`);
  }
  // The table's change stream, emulated on this client's writes, into a stand-in bus (GET /__local/events);
  // from here on, so that the restore's removal of untrusted tokens above, no product write, is not streamed.
  const events = startLocalEvents({ doc, tableName: TABLE, componentAppId: credentials.componentAppId, logger });
  started.push(() => events.close());
  const saver = stateFile ? new WorldSnapshotSaver(simulator, stateFile) : undefined;
  const calls = new WechatCalls();
  // One clock for the product and the simulated WeChat, so that /__sim/clock/advance expires tokens for both.
  const simulatedClock = options.wechatApiBase === undefined;
  const parts = wireTokenService({
    ...(simulatedClock ? { clock: simulator.clock } : {}),
    wechat: calls.clientOptions,
    config: localServiceConfig({
      componentAppId: credentials.componentAppId,
      tableName: TABLE,
      wechatApiBase: options.wechatApiBase ?? simulator.url,
      dynamoEndpoint: dynamo.endpoint,
      ...localOnboardingSettings({
        apiUrl: api.url,
        simulatorUrl: options.wechatApiBase === undefined ? simulator.url : undefined,
        returnUrls: options.onboardingReturnUrls,
      }),
    }),
    doc,
    secret: localSecret(credentials),
    logger,
  });
  const service = new TokenService(parts);
  const pushes = new PushService(parts);
  const onboarding = new OnboardingService(parts);
  const runs = new LocalRuns({ service, calls, logger, progressEveryMs: options.progressEveryMs });
  const abortRuns = () => runs.stop({ abort: true });
  if (options.signal?.aborted) abortRuns();
  options.signal?.addEventListener('abort', abortRuns, { once: true });
  const status = () =>
    localStatus({
      service,
      component: parts.component,
      componentAppId: credentials.componentAppId,
      clock: parts.clock,
      renewalMarginMs: parts.config.renewalMarginMs,
      runs,
    });

  const published = async () => {
    await events.settled();
    return events.events();
  };
  late.wire({
    getter: createGetter(() => service, logger),
    callback: createCallback(() => pushes, logger),
    onboarding: createOnboarding(() => onboarding, logger),
    control: (request) =>
      answerControl(request, {
        simulator,
        runs,
        status,
        events: published,
        simulatedClock,
        stopping: () => runs.stopping,
      }),
  });

  started.push(async () => abortRuns());

  // WeChat pushes a ticket at once (as after api_start_push_ticket), then every 10 minutes.
  const ticket = await simulator.pushTicket();
  logger.info(
    `ticket pushed through ${simulator.callbackUrl}: ${ticket.accepted ? 'accepted' : `refused (HTTP ${ticket.status})`}`,
  );
  runs.every(options.ticketEveryMs ?? 10 * 60_000, async () => void (await simulator.pushTicket()));
  // The first sync before the API is announced; the refresh as the refresh function runs it when
  // EventBridge invokes it (recovery after a 61023 included).
  await runs.sync().catch((error: unknown) => {
    if (!runs.stopping) throw error;
  });
  runs.every(options.syncEveryMs ?? 60_000, 'sync');
  runs.every(options.refreshEveryMs ?? 15_000, 'refresh', true);
  if (saver) runs.every(options.stateSaveEveryMs ?? 5_000, () => saver.saveIfChanged(), true);

  return {
    apiUrl: api.url,
    simulator,
    service,
    onboarding,
    events: published,
    status,
    abortRuns,
    async close() {
      runs.stop({ abort: false });
      await runs.settled();
      await api.close();
      await events.close();
      doc.destroy();
      await simulator.close();
      try {
        // Last, once nothing can change the world again.
        await saver?.save();
      } finally {
        await dynamo.close();
      }
    },
  };
}
