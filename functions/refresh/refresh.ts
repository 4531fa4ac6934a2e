import type { Recovery } from '../../shared/recovery/index.js';
import type { RefreshSummary } from '../../shared/refresh/index.js';
import type { TokenService } from '../../shared/service.js';
import type { RenewalResult } from '../../shared/tokens/index.js';
import { parseRefreshEvent } from './event.js';

export type RefreshResponse =
  | {
      readonly mode: 'scheduled';
      readonly summary: RefreshSummary;
      /** The sync run because WeChat refused refresh tokens (61023): how it went. */
      readonly recovery?: Recovery;
    }
  | {
      readonly mode: 'on_demand';
      readonly appid: string;
      readonly outcome: RenewalResult['kind'];
      /** Until when the stored token is guaranteed to work (ISO 8601); the token itself is only ever handed out by the getter. */
      readonly expires_at?: string;
      readonly failure?: string;
    };

/** The Lambda context's one member the refresh reads: how long the invocation has left. */
export interface RefreshContext {
  getRemainingTimeInMillis(): number;
}

/** The refresh function, its service given: the Lambda entry, the local runtime and the tests build it alike. */
export function createRefresh(
  service: () => TokenService,
): (event: unknown, context?: RefreshContext) => Promise<RefreshResponse> {
  return async (event, context) => {
    const request = parseRefreshEvent(event);
    if (request.mode === 'scheduled') {
      const report = await service().runScheduledRefresh({
        remainingMs: context && (() => context.getRemainingTimeInMillis()),
      });
      return { mode: 'scheduled', ...report };
    }
    const result = await service().renewOnDemand(request.appId, request.minValidSeconds * 1000);
    return {
      mode: 'on_demand',
      appid: request.appId,
      outcome: result.kind,
      ...(result.kind === 'renewed' || result.kind === 'current'
        ? { expires_at: new Date(result.token.guaranteedUntil).toISOString() }
        : {}),
      ...(result.kind === 'failed' ? { failure: result.failure } : {}),
    };
  };
}
