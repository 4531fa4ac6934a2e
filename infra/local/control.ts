import { APPID_RULE, isAppId } from '../../shared/appid.js';
import type { WechatSimulator } from '../../simulator/index.js';
import { ControlInputError } from './errors.js';
import { LANDING_PATH } from './onboarding-settings.js';
import { permissionSets } from './permissions.js';
import type { LocalRuns } from './runs.js';
import type { LocalStatus } from './status.js';

/**
 * The local-only control routes live under these prefixes. No product route starts with `/__` (a test
 * holds `ROUTES` to that), API Gateway is given only `ROUTES`, and only the local API server routes
 * here: the Lambdas never see them.
 */
export const CONTROL_PREFIXES = ['/__sim/', '/__local/'] as const;

export function isControlPath(pathname: string): boolean {
  return CONTROL_PREFIXES.some((prefix) => pathname.startsWith(prefix));
}

/** The largest control body read: they are a handful of fields. */
export const MAX_CONTROL_BODY_BYTES = 16 * 1024;
/** The furthest one advance moves the clock: a year is more than a token's or a ticket's life many times over. */
const MAX_ADVANCE_MS = 366 * 86_400_000;

export interface ControlRequest {
  readonly method: string;
  readonly pathname: string;
  /** `undefined` when the body was larger than `MAX_CONTROL_BODY_BYTES`. */
  readonly body: string | undefined;
  /** The query parameters (only the landing page reads them). */
  readonly query?: Readonly<Record<string, string>>;
}

export interface ControlAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface ControlDeps {
  readonly simulator: WechatSimulator;
  readonly runs: LocalRuns;
  readonly status: () => Promise<LocalStatus>;
  /**
   * The lifecycle events the stand-in bus received, in the order published, once the emulated stream
   * has caught up with every write made before the call.
   */
  readonly events: () => Promise<readonly unknown[]>;
  /** Whether the clock may be moved: only when the runtime's WeChat is the simulator. */
  readonly simulatedClock: boolean;
  readonly stopping: () => boolean;
}

type Body = Readonly<Record<string, unknown>>;
type Action = (body: Body, deps: ControlDeps, query: Readonly<Record<string, string>>) => Promise<ControlAnswer>;

const ACTIONS: Readonly<Record<string, { readonly method: 'GET' | 'POST'; readonly run: Action }>> = {
  '/__sim/authorize': { method: 'POST', run: authorize },
  '/__sim/revoke': { method: 'POST', run: revoke },
  '/__sim/clock/advance': { method: 'POST', run: advanceClock },
  '/__sim/permissions': { method: 'POST', run: changePermissions },
  '/__local/sync': { method: 'POST', run: async (_, deps) => ok(await deps.runs.sync()) },
  '/__local/refresh': { method: 'POST', run: async (_, deps) => ok(await deps.runs.refresh()) },
  '/__local/status': { method: 'GET', run: async (_, deps) => ok(await deps.status()) },
  '/__local/events': { method: 'GET', run: async (_, deps) => ok({ events: await deps.events() }) },
  [LANDING_PATH]: { method: 'GET', run: landing },
};

/** Answers one control request; errors are `{error, message}` as the product's. */
export async function answerControl(request: ControlRequest, deps: ControlDeps): Promise<ControlAnswer> {
  const action = ACTIONS[request.pathname];
  if (!action) return problem(404, 'not_found', `no control route ${request.pathname}`);
  // HEAD is GET without the body (Node's server sends no body for it).
  const method = request.method === 'HEAD' && action.method === 'GET' ? 'GET' : request.method;
  if (method !== action.method)
    return problem(405, 'method_not_allowed', `${request.pathname} is ${action.method} only`);
  if (deps.stopping()) return problem(503, 'stopping', 'the local runtime is stopping');
  try {
    // A GET's body is not read: a browser following a redirect to the landing page sends none.
    const body = action.method === 'GET' ? {} : parseBody(request.body);
    return await action.run(body, deps, request.query ?? {});
  } catch (error) {
    if (!(error instanceof ControlInputError)) throw error;
    const status = error.code === 'body_too_large' ? 413 : error.code === 'not_authorized' ? 404 : 400;
    return problem(status, error.code, error.message);
  }
}

/** An account authorizes the component (a new one, or the appid given), and WeChat pushes `authorized`. */
async function authorize(body: Body, deps: ControlDeps): Promise<ControlAnswer> {
  const appId = optionalAppId(body);
  const push = await deps.simulator.pushAuthorizationEvent('authorized', appId);
  return ok({ appid: push.appId, event: 'authorized', delivered: push.accepted, deliveries: push.deliveries });
}

/** An authorized account revokes, and WeChat pushes `unauthorized`. */
async function revoke(body: Body, deps: ControlDeps): Promise<ControlAnswer> {
  const appId = optionalAppId(body);
  if (appId === undefined) throw new ControlInputError('invalid_appid', `"appid" is required (${APPID_RULE})`);
  if (!deps.simulator.world.population.get(appId)?.authorized)
    throw new ControlInputError('not_authorized', `${appId} is not an authorized account of the simulator`);
  const push = await deps.simulator.pushAuthorizationEvent('unauthorized', appId);
  return ok({ appid: appId, event: 'unauthorized', delivered: push.accepted, deliveries: push.deliveries });
}

/**
 * An authorized account's owner changes the permission sets granted to the component (WeChat's
 * authorization page again, as an update), and WeChat pushes `updateauthorized`.
 */
async function changePermissions(body: Body, deps: ControlDeps): Promise<ControlAnswer> {
  const appId = optionalAppId(body);
  if (appId === undefined) throw new ControlInputError('invalid_appid', `"appid" is required (${APPID_RULE})`);
  const funcInfo = permissionSets(body['permissions']);
  if (!deps.simulator.world.population.get(appId)?.authorized)
    throw new ControlInputError('not_authorized', `${appId} is not an authorized account of the simulator`);
  const push = await deps.simulator.changePermissions(appId, funcInfo);
  return ok({
    appid: appId,
    event: 'updateauthorized',
    permissions: funcInfo,
    delivered: push.accepted,
    deliveries: push.deliveries,
  });
}

/**
 * The default `return_url`: where a browser lands after onboarding an account locally, with what the
 * hub appended (the appid, and the caller's state).
 */
async function landing(_: Body, __: ControlDeps, query: Readonly<Record<string, string>>): Promise<ControlAnswer> {
  return ok({
    onboarded: query['authorizer_appid'] !== undefined,
    authorizer_appid: query['authorizer_appid'] ?? null,
    state: query['state'] ?? null,
  });
}

/**
 * The one clock the simulator and the runtime share jumps forward, so tokens expire for both alike; then
 * WeChat pushes a ticket, as it would have every 10 minutes of the skipped time.
 */
async function advanceClock(body: Body, deps: ControlDeps): Promise<ControlAnswer> {
  if (!deps.simulatedClock)
    return problem(
      409,
      'clock_not_simulated',
      'the runtime talks to another WeChat (WECHAT_API_BASE): its clock is real',
    );
  const ms = durationMs(body);
  deps.simulator.clock.advance(ms);
  const ticket = await deps.simulator.pushTicket();
  return ok({
    advancedMs: ms,
    now: new Date(deps.simulator.clock.now()).toISOString(),
    ticketPushed: ticket.accepted,
  });
}

function durationMs(body: Body): number {
  const given = (['seconds', 'minutes'] as const).filter((unit) => unit in body);
  if (given.length !== 1)
    throw new ControlInputError('invalid_duration', 'give exactly one of "seconds" or "minutes", a number > 0');
  const unit = given[0] ?? 'seconds';
  const value = body[unit];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    // String(value): JSON.stringify writes Infinity (a parsed 1e400) as null.
    throw new ControlInputError(
      'invalid_duration',
      `"${unit}" must be a number > 0, got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`,
    );
  const ms = Math.round(value * (unit === 'seconds' ? 1_000 : 60_000));
  if (ms < 1) throw new ControlInputError('invalid_duration', 'one advance moves the clock a millisecond at least');
  if (ms > MAX_ADVANCE_MS)
    throw new ControlInputError('invalid_duration', 'one advance moves the clock a year at most');
  return ms;
}

function optionalAppId(body: Body): string | undefined {
  const value = body['appid'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !isAppId(value))
    throw new ControlInputError(
      'invalid_appid',
      `"appid" must be an appid (${APPID_RULE}), got ${JSON.stringify(value)}`,
    );
  return value;
}

function parseBody(text: string | undefined): Body {
  if (text === undefined)
    throw new ControlInputError('body_too_large', `the body is over ${MAX_CONTROL_BODY_BYTES} bytes`);
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ControlInputError('invalid_json', 'the body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ControlInputError('invalid_json', 'the body must be a JSON object');
  return value as Body;
}

const ok = (body: unknown): ControlAnswer => ({ status: 200, body });
const problem = (status: number, error: string, message: string): ControlAnswer => ({
  status,
  body: { error, message },
});
