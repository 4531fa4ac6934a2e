import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Sensitive } from '../sensitive.js';
import type { AuthorizerStore } from '../store/index.js';
import { type AuthorizerRenewer, MIN_SERVED_VALIDITY_MS, type RenewalResult } from '../tokens/index.js';

// Renewals a caller asks for, beside the schedule's: the getter's token (served from the store while it
// is guaranteed long enough, renewed otherwise), a caller's report of a refused token, and the refresh
// function's event for one appid. Each renews through the renewer's lease, once however many ask.

/** How long a getter request waits for another instance's renewal of the same token. */
export const GETTER_WAIT_MS = 8_000;

/** How long an on-demand refresh event waits for another instance's renewal of the same appid. */
export const ON_DEMAND_WAIT_MS = 10_000;

export interface ServeOptions {
  /**
   * A token guaranteed for less than this is renewed before it is handed out.
   * @default MIN_SERVED_VALIDITY_MS (60 s)
   */
  readonly minValidMs?: number | undefined;
  /** @default GETTER_WAIT_MS (8 s) */
  readonly waitMs?: number | undefined;
}

/** The token of `appId` with the time until which it is guaranteed to work (trust.ts), renewed first if it must be. */
export async function serveAuthorizerToken(
  deps: { readonly authorizers: AuthorizerStore; readonly renewer: AuthorizerRenewer; readonly clock: Clock },
  appId: string,
  options: ServeOptions = {},
): Promise<RenewalResult> {
  const minValidMs = options.minValidMs ?? MIN_SERVED_VALIDITY_MS;
  const readAt = deps.clock.now();
  const record = await deps.authorizers.get(appId);
  if (!record) return { kind: 'not_found' };
  if (record.status !== 'active') return { kind: 'inactive', status: record.status };
  const served = deps.renewer.served(record, readAt, minValidMs);
  if (served) return { kind: 'current', token: served };
  return deps.renewer.renew(appId, { kind: 'due', minValidMs }, { waitMs: options.waitMs ?? GETTER_WAIT_MS });
}

/** A caller says WeChat refused `token`: renewed if it is still the stored one (and WeChat confirms), else the stored one. */
export function renewReportedToken(
  deps: { readonly renewer: AuthorizerRenewer },
  appId: string,
  token: Sensitive,
  options: { readonly waitMs?: number | undefined } = {},
): Promise<RenewalResult> {
  return deps.renewer.renew(appId, { kind: 'invalid', token }, { waitMs: options.waitMs ?? GETTER_WAIT_MS });
}

/** The refresh function's event for one appid: renewed unless its token is guaranteed for `minValidMs` more. */
export async function renewOnDemand(
  deps: { readonly renewer: AuthorizerRenewer; readonly logger: Logger },
  appId: string,
  minValidMs: number,
): Promise<RenewalResult> {
  const result = await deps.renewer.renew(appId, { kind: 'due', minValidMs }, { waitMs: ON_DEMAND_WAIT_MS });
  deps.logger.info('on-demand renewal', {
    appId,
    outcome: result.kind,
    ...(result.kind === 'failed' ? { failure: result.failure } : {}),
  });
  return result;
}
