import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createCallback } from '../../functions/callback/callback';
import { createRefresh } from '../../functions/refresh/refresh';
import { createGetter } from '../../functions/getter/getter';
import type { Logger } from '../../shared/logger';
import { createTokenService, type TokenService } from '../../shared/service';
import { createDocumentClient } from '../../shared/store';
import { syncAuthorizers } from '../../shared/sync';
import { startApiServer } from './api-server';
import { localSecret, localServiceConfig } from './local-config';
import { createTable, LOCAL_CLIENT_CONFIG, startDynalite } from './dynamo';
import { SimClock, SIMULATOR_CREDENTIALS, WechatSimulator } from './simulator';

export interface LocalRuntimeOptions {
  readonly port?: number;
  readonly authorizers?: number;
  /** A folder for dynalite's data; in memory when omitted. */
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
  readonly logger: Logger;
}

export interface LocalRuntime {
  readonly apiUrl: string;
  readonly simulator: WechatSimulator;
  readonly service: TokenService;
  close(): Promise<void>;
}

const TABLE = 'wechat-authorizer-tokens';

/**
 * The whole product on one machine, with no account and no network: dynalite, the WeChat simulator
 * pushing through the real callback route, the getter and callback routes on loopback, and the sync
 * and refresh schedules on timers.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { logger } = options;
  const credentials = {
    componentAppId: options.componentAppId ?? SIMULATOR_CREDENTIALS.componentAppId,
    componentAppSecret: options.componentAppSecret ?? SIMULATOR_CREDENTIALS.componentAppSecret,
    messageToken: options.messageToken ?? SIMULATOR_CREDENTIALS.messageToken,
    encodingAesKey: options.encodingAesKey ?? SIMULATOR_CREDENTIALS.encodingAesKey,
  };
  const dynamo = await startDynalite(options.dataPath ? { path: options.dataPath } : {});
  if (!(await tableExists(dynamo.endpoint))) await createTable(dynamo.endpoint, TABLE);
  const simulator = await WechatSimulator.start({ ...credentials, authorizers: options.authorizers ?? 1_200, clock: new SimClock({ frozen: false }) });
  logger.info(`WeChat simulator at ${simulator.url} with ${options.authorizers ?? 1_200} authorizers`);

  const doc = createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: dynamo.endpoint });
  const service = createTokenService({
    config: localServiceConfig({
      componentAppId: credentials.componentAppId,
      tableName: TABLE,
      wechatApiBase: options.wechatApiBase ?? simulator.url,
      dynamoEndpoint: dynamo.endpoint,
    }),
    doc,
    secret: localSecret(credentials),
    logger,
  });
  const api = await startApiServer({ getter: createGetter(() => service, logger), callback: createCallback(() => service, logger), port: options.port ?? 3000 });
  simulator.callbackUrl = `${api.url}/wechat/callback`;

  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  /** Runs `task` now and then every `ms`, never twice at once; close() waits for a run under way. */
  const every = (ms: number, task: () => Promise<void>, now = false): void => {
    let running = false;
    const run = () => {
      if (running || stopped) return;
      running = true;
      const done = task()
        .catch((error: unknown) => logger.warn('scheduled task failed', { error: error instanceof Error ? error.message : String(error) }))
        .finally(() => {
          running = false;
          inFlight.delete(done);
        });
      inFlight.add(done);
    };
    if (now) run();
    timers.push(setInterval(run, ms));
  };

  // WeChat pushes a ticket at once (as after api_start_push_ticket), then every 10 minutes.
  const ticket = await simulator.pushTicket();
  logger.info(`ticket pushed through ${simulator.callbackUrl}: ${ticket.accepted ? 'accepted' : `refused (HTTP ${ticket.status})`}`);
  every(options.ticketEveryMs ?? 10 * 60_000, async () => void (await simulator.pushTicket()));
  const sync = async () => {
    const summary = await syncAuthorizers({ ...service, componentAppId: credentials.componentAppId, logger });
    logger.info(`sync: ${summary.added} added, ${summary.updated} updated, ${summary.revoked} revoked, ${summary.unchanged} unchanged in ${summary.pages} pages`);
  };
  // The refresh function's own code, as EventBridge invokes it (recovery after a 61023 included).
  const scheduledRefresh = createRefresh(() => service, logger);
  const refresh = async () => {
    const response = await scheduledRefresh({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    if (response.mode !== 'scheduled' || response.summary.due === 0) return;
    logger.info(`refresh: ${response.summary.renewed} of ${response.summary.due} due tokens renewed${response.recovery ? `; recovery sync healed ${response.recovery.healed}` : ''}`);
  };
  await sync();
  every(options.syncEveryMs ?? 60_000, sync);
  every(options.refreshEveryMs ?? 15_000, refresh, true);

  return {
    apiUrl: api.url,
    simulator,
    service,
    async close() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...inFlight]);
      await api.close();
      doc.destroy();
      await simulator.close();
      await dynamo.close();
    },
  };
}

async function tableExists(endpoint: string): Promise<boolean> {
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
  try {
    await client.send(new DescribeTableCommand({ TableName: TABLE }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}
