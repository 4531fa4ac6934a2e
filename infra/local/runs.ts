import type { Logger } from '../../shared/logger.js';
import type { ScheduledRefreshReport } from '../../shared/refresh/index.js';
import type { TokenService } from '../../shared/service.js';
import type { SyncSummary } from '../../shared/sync/index.js';
import type { WechatCalls } from './wechat-calls.js';

export type RunName = 'sync' | 'refresh';

/** How the latest run of a kind went (wall-clock times: when it ran on this machine). */
export interface RunRecord<T> {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** Whether the runtime was stopping: WeChat's calls were cut, so the run ended early. */
  readonly aborted: boolean;
  readonly result?: T;
  readonly error?: string;
}

export interface LocalRunsOptions {
  readonly service: TokenService;
  /** The service the scheduled refresh runs on (its renewer starts nothing once stopping). */
  readonly refresher: TokenService;
  readonly calls: WechatCalls;
  readonly logger: Logger;
  /** A progress line every this often while a run lasts. Default 2 s. */
  readonly progressEveryMs?: number | undefined;
}

/**
 * The sync and the scheduled refresh as the local runtime runs them: on timers, on demand from the
 * control routes, never two of a kind at once (a second ask joins the run under way), with a progress
 * line while one lasts and a record of the latest of each for the status route.
 */
export class LocalRuns {
  readonly #options: LocalRunsOptions;
  readonly #running = new Map<RunName, Promise<unknown>>();
  readonly #timers: NodeJS.Timeout[] = [];
  #stopped = false;
  lastSync: RunRecord<SyncSummary> | undefined;
  lastRefresh: RunRecord<ScheduledRefreshReport> | undefined;

  constructor(options: LocalRunsOptions) {
    this.#options = options;
  }

  isRunning(name: RunName): boolean {
    return this.#running.has(name);
  }

  /** One sync now (or the one under way); rejects with the sync's error. */
  sync(): Promise<SyncSummary> {
    return this.#run('sync', async () => {
      const summary = await this.#options.service.sync();
      this.#options.logger.info(
        `sync: ${summary.added} added, ${summary.updated} updated, ${summary.revoked} revoked, ${summary.unchanged} unchanged in ${summary.pages} pages${summary.complete ? '' : ' (listing not complete)'}`,
      );
      return summary;
    });
  }

  /** One scheduled refresh now (or the one under way): every due token renewed, a recovery owed paid. */
  refresh(): Promise<ScheduledRefreshReport> {
    return this.#run('refresh', async () => {
      // Stopping when the run starts: its deadline is then already past, and no recovery sync starts.
      const { calls } = this.#options;
      const report = await this.#options.refresher.runScheduledRefresh({
        remainingMs: () => (calls.aborted ? 0 : Number.POSITIVE_INFINITY),
      });
      const { summary } = report;
      if (summary.due > 0)
        this.#options.logger.info(
          `refresh: ${summary.renewed} of ${summary.due} due tokens renewed${report.recovery ? `; recovery sync healed ${report.recovery.healed}` : ''}`,
        );
      return report;
    });
  }

  /** Runs `name` now (when `now`) and then every `ms`; a run still under way is not started again. */
  every(ms: number, name: RunName | (() => Promise<unknown>), now = false): void {
    const run = (): void => {
      if (this.#stopped) return;
      if (typeof name === 'string' && this.#running.has(name)) return;
      const task = typeof name === 'string' ? (name === 'sync' ? this.sync() : this.refresh()) : this.#other(name);
      task.catch((error: unknown) =>
        this.#options.logger.warn('scheduled task failed', {
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    };
    if (now) run();
    this.#timers.push(setInterval(run, ms));
  }

  /** No run starts again; those under way are cut short (WeChat's calls fail) when `abort`. */
  stop(options: { abort: boolean }): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    if (options.abort) this.#options.calls.abort();
  }

  /** Resolves once every run under way has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#running.values(), ...this.#others]);
  }

  readonly #others = new Set<Promise<unknown>>();
  #other(task: () => Promise<unknown>): Promise<unknown> {
    const done = task().finally(() => this.#others.delete(done));
    this.#others.add(done);
    return done;
  }

  #run<T>(name: RunName, task: () => Promise<T>): Promise<T> {
    const under = this.#running.get(name);
    if (under) return under as Promise<T>;
    const started = Date.now();
    const api = name === 'sync' ? 'api_get_authorizer_list' : 'api_authorizer_token';
    const before = this.#options.calls.calls(api);
    const progress = setInterval(
      () => this.#progress(name, started, this.#options.calls.calls(api) - before),
      this.#options.progressEveryMs ?? 2_000,
    );
    const record = (outcome: { result?: T; error?: string }): void => {
      const finished = Date.now();
      const entry: RunRecord<T> = {
        startedAt: new Date(started).toISOString(),
        finishedAt: new Date(finished).toISOString(),
        durationMs: finished - started,
        aborted: this.#options.calls.aborted,
        ...outcome,
      };
      if (name === 'sync') this.lastSync = entry as RunRecord<SyncSummary>;
      else this.lastRefresh = entry as RunRecord<ScheduledRefreshReport>;
    };
    const done = task().then(
      (result) => {
        record({ result });
        return result;
      },
      (error: unknown) => {
        record({ error: error instanceof Error ? error.message : String(error) });
        throw error;
      },
    );
    const tracked = done.finally(() => {
      clearInterval(progress);
      this.#running.delete(name);
    });
    this.#running.set(name, tracked);
    return tracked;
  }

  /** One line while a run lasts: how long, and how many of its WeChat calls (page or renewal) were made. */
  #progress(name: RunName, started: number, calls: number): void {
    const seconds = Math.round((Date.now() - started) / 1000);
    const done = name === 'sync' ? `${calls} list pages` : `${calls} renewals`;
    const stopping = this.#options.calls.aborted ? ' (stopping)' : '';
    this.#options.logger.info(`${name} in progress: ${seconds} s, ${done} asked of WeChat so far${stopping}`);
  }
}
