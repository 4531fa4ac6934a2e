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
  /** Whether the runs were aborted (the runtime stopping) while this one lasted: it ended early. */
  readonly aborted: boolean;
  readonly result?: T;
  readonly error?: string;
}

export interface LocalRunsOptions {
  readonly service: TokenService;
  /** WeChat's calls, counted for the progress lines. */
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
  /** Given to every run: aborted, a sync writes no more and a refresh starts no renewal (see the domain's runs). */
  readonly #abort = new AbortController();
  lastSync: RunRecord<SyncSummary> | undefined;
  lastRefresh: RunRecord<ScheduledRefreshReport> | undefined;

  constructor(options: LocalRunsOptions) {
    this.#options = options;
  }

  /** Whether the runs were aborted: the runtime is stopping. */
  get stopping(): boolean {
    return this.#abort.signal.aborted;
  }

  isRunning(name: RunName): boolean {
    return this.#running.has(name);
  }

  /** One sync now (or the one under way); rejects with the sync's error. */
  sync(): Promise<SyncSummary> {
    return this.#run('sync', async () => {
      const summary = await this.#options.service.sync({ signal: this.#abort.signal });
      this.#options.logger.info(
        `sync: ${summary.added} added, ${summary.updated} updated, ${summary.revoked} revoked, ${summary.unchanged} unchanged in ${summary.pages} pages${summary.complete ? '' : ' (listing not complete)'}`,
      );
      return summary;
    });
  }

  /** One scheduled refresh now (or the one under way): every due token renewed, a recovery owed paid. */
  refresh(): Promise<ScheduledRefreshReport> {
    return this.#run('refresh', async () => {
      const report = await this.#options.service.runScheduledRefresh({ signal: this.#abort.signal });
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
    if (this.#stopped) return;
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

  /**
   * No run starts again; when `abort`, those under way are aborted: a sync asks for no more pages and
   * writes no more accounts, a refresh starts no more renewals (those started finish, their tokens stored).
   */
  stop(options: { abort: boolean }): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    if (options.abort) this.#abort.abort();
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
        aborted: this.stopping,
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
    const stopping = this.stopping ? ' (stopping)' : '';
    this.#options.logger.info(`${name} in progress: ${seconds} s, ${done} asked of WeChat so far${stopping}`);
  }
}
