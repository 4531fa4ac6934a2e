import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { createCallback } from '../../functions/callback/callback.js';
import { createGetter } from '../../functions/getter/getter.js';
import { createRefresh } from '../../functions/refresh/refresh.js';
import { localSecret, localServiceConfig } from '../../infra/local/local-config.js';
import { PushService } from '../../shared/push-service.js';
import { TokenService, wireTokenService } from '../../shared/service.js';
import { httpApiEvent, refreshEvent, tokenEvent } from '../fixtures/api-gateway.js';
import { recordingLogger } from './recording-logger.js';
import type { Testbed } from './testbed.js';

// The promise, checked as a caller sees it: every token the getter hands out works until the time it
// says, whatever happens to the stored one meanwhile. Only the public entry points (the Lambda
// functions' own code, the service, the simulator) are used, so that these tests run unchanged against
// any version of the token core.

export const MINUTE = 60_000;
export { scheduledEvent } from '../fixtures/eventbridge.js';

interface Promised {
  readonly what: string;
  readonly token: string;
  readonly until: number;
  readonly valid: () => boolean;
}

/** Every token handed out, with the time it was promised until; `check()` holds each promise at the current time. */
export class Promises {
  readonly #promised: Promised[] = [];
  readonly answers: Array<{ status: number; body: Record<string, unknown> }> = [];

  constructor(private readonly bed: Testbed) {}

  /** GET /authorizers/{appid}/token through `getter` (the bed's own by default). */
  async token(
    appId: string,
    getter: ReturnType<typeof createGetter> = createGetter(() => this.bed.service, recordingLogger()),
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return this.#record(appId, await getter(tokenEvent(appId)));
  }

  /** POST /authorizers/{appid}/token/refresh: a caller reports `token` refused. */
  async report(
    appId: string,
    token: string,
    getter: ReturnType<typeof createGetter> = createGetter(() => this.bed.service, recordingLogger()),
  ) {
    return this.#record(appId, await getter(refreshEvent(appId, { invalid_token: token })));
  }

  /** GET /component/token. */
  async componentToken(
    getter: ReturnType<typeof createGetter> = createGetter(() => this.bed.service, recordingLogger()),
  ) {
    const answer = await getter(httpApiEvent({ routeKey: 'GET /component/token', rawPath: '/component/token' }));
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    const token = body['component_access_token'];
    if (answer.statusCode === 200 && typeof token === 'string') {
      this.#promise('component', token, Number(body['expires_in']), () =>
        this.bed.simulator.world.isComponentTokenValid(token),
      );
    }
    this.answers.push({ status: answer.statusCode, body });
    return { status: answer.statusCode, body };
  }

  /** Drops the promises made so far: a scenario holds only what is handed out from its start. */
  forget(): void {
    this.#promised.length = 0;
  }

  /** Every token still promised at the current time works at WeChat. */
  check(when = 'now'): void {
    const now = this.bed.clock.now();
    const broken = this.#promised
      .filter((entry) => entry.until > now && !entry.valid())
      .map((entry) => `${entry.what} (promised ${Math.round((entry.until - now) / 1000)} s more)`);
    expect(broken, `tokens handed out that WeChat refuses ${when}`).toEqual([]);
  }

  /** Moves the clock in steps, holding every promise at each. */
  advance(ms: number, stepMs = 10_000): void {
    for (let moved = 0; moved < ms; moved += stepMs) {
      this.bed.clock.advance(Math.min(stepMs, ms - moved));
      this.check(`${Math.round((moved + Math.min(stepMs, ms - moved)) / 1000)} s later`);
    }
  }

  #record(appId: string, answer: { statusCode: number; body: string }) {
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    const token = body['authorizer_access_token'];
    if (answer.statusCode === 200 && typeof token === 'string') {
      expect(
        this.bed.simulator.world.isAuthorizerTokenValid(appId, token),
        'a token handed out works when it is handed out',
      ).toBe(true);
      this.#promise(appId, token, Number(body['expires_in']), () =>
        this.bed.simulator.world.isAuthorizerTokenValid(appId, token),
      );
    }
    this.answers.push({ status: answer.statusCode, body });
    return { status: answer.statusCode, body };
  }

  #promise(what: string, token: string, expiresInSeconds: number, valid: () => boolean): void {
    this.#promised.push({ what, token, until: this.bed.clock.now() + expiresInSeconds * 1000, valid });
  }
}

/** The stored authorizer token works at WeChat (what the chaos day samples). */
export async function storedTokenWorks(bed: Testbed, appId: string): Promise<boolean> {
  const record = await bed.authorizers.get(appId);
  const token = record?.accessToken?.token.reveal();
  return token !== undefined && bed.simulator.world.isAuthorizerTokenValid(appId, token);
}

/** A gate a request waits at until the test opens it; `reached` resolves when the first one arrives. */
export function gate(): { wait: () => Promise<void>; reached: Promise<void>; open: () => void } {
  let open!: () => void;
  let reached!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  return {
    wait: async () => {
      reached();
      await opened;
    },
    reached: arrived,
    open,
  };
}

/** A fetch that holds requests to one WeChat API at `hold` (once, the first such request) and lets the rest through. */
export function holdingFetch(api: string, hold: () => Promise<void>): typeof fetch {
  let held = false;
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!held && url.includes(`/${api}`)) {
      held = true;
      await hold();
    }
    return fetch(input, init);
  };
}

/**
 * A DocumentClient whose first write that matches `matches` (by its command's input) waits at `hold`
 * (or fails with `fail`, as a process that dies there), and passes everything else through.
 */
export function interceptingDoc(
  doc: DynamoDBDocumentClient,
  matches: (input: Record<string, unknown>) => boolean,
  effect: { hold?: () => Promise<void>; fail?: 'before' | 'after'; times?: number },
): DynamoDBDocumentClient {
  let left = effect.times ?? 1;
  return new Proxy(doc, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: { input: Record<string, unknown> }, ...rest: unknown[]) => {
        const name = command.constructor.name;
        const isWrite = name === 'UpdateCommand' || name === 'PutCommand';
        if (!isWrite || left <= 0 || !matches(command.input))
          return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
        left--;
        if (effect.hold) await effect.hold();
        if (effect.fail === 'before') throw Object.assign(new Error('process killed'), { name: 'ProcessKilled' });
        const result = await (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
        if (effect.fail === 'after') throw Object.assign(new Error('process killed'), { name: 'ProcessKilled' });
        return result;
      };
    },
  });
}

/** Whether a DynamoDB write stores an access token (a renewal's commit, an authorization's store). */
export function writesAccessToken(input: Record<string, unknown>): boolean {
  const item = input['Item'];
  if (item && typeof item === 'object' && 'accessToken' in item) return true;
  const names = input['ExpressionAttributeNames'];
  const update = input['UpdateExpression'];
  return (
    typeof update === 'string' &&
    names !== null &&
    typeof names === 'object' &&
    Object.values(names).includes('accessToken') &&
    /SET[\s\S]*#accessToken = /.test(update)
  );
}

/** Another Lambda instance of the product: the same table, simulator and clock, its own clients. */
export function otherInstance(
  bed: Testbed,
  options: {
    fetch?: typeof fetch;
    doc?: DynamoDBDocumentClient;
    leaseMs?: number;
    retryAttempts?: number;
    timeoutMs?: number;
  } = {},
): {
  service: TokenService;
  refresh: ReturnType<typeof createRefresh>;
  getter: ReturnType<typeof createGetter>;
  callback: ReturnType<typeof createCallback>;
} {
  const parts = wireTokenService({
    config: localServiceConfig({
      tableName: bed.tableName,
      wechatApiBase: bed.simulator.url,
      leaseMs: options.leaseMs ?? bed.config.leaseMs,
    }),
    doc: options.doc ?? bed.doc,
    secret: localSecret(),
    clock: bed.clock,
    wechat: {
      timeoutMs: options.timeoutMs ?? 2_000,
      retry: { maxAttempts: options.retryAttempts ?? 3, baseDelayMs: 5, maxDelayMs: 20, totalBudgetMs: 5_000 },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    },
  });
  const service = new TokenService(parts);
  const pushes = new PushService(parts);

  const logger = recordingLogger();
  return {
    service,
    refresh: createRefresh(() => service),
    getter: createGetter(() => service, logger, { waitMs: 0 }),
    callback: createCallback(() => pushes, logger),
  };
}

/** Kills the stored token behind the product's back: a renewal WeChat acts on that nobody stores, then its grace. */
export async function supersedeOutOfBand(bed: Testbed, appId: string): Promise<void> {
  const record = await bed.authorizers.get(appId);
  if (!record) throw new Error(`${appId} is not stored`);
  await bed.client.getAuthorizerAccessToken(await bed.componentTokens.get(), {
    authorizerAppId: appId,
    authorizerRefreshToken: record.refreshToken,
  });
}

/** Real time, for requests the simulator holds (a stuck request lands when its delay is over). */
export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
