import * as z from 'zod/mini';
import { APPID_PATTERN } from '../../shared/appid.js';
import { MIN_SERVED_VALIDITY_MS, TRUST_WINDOW_MS } from '../../shared/tokens/trust.js';
import { EventError } from '../common/errors.js';

/** What the refresh Lambda is invoked with: EventBridge's schedule, or one appid on demand. */
export type RefreshEvent =
  | { readonly mode: 'scheduled' }
  | { readonly mode: 'on_demand'; readonly appId: string; readonly minValidSeconds: number };

export class RefreshEventError extends EventError {
  constructor(message: string) {
    super(message);
  }
}

const scheduled = z.object({ source: z.literal('aws.events'), 'detail-type': z.literal('Scheduled Event') });
const onDemand = z.object({
  appid: z.string().check(z.regex(APPID_PATTERN)),
  /**
   * Renew unless the stored token is guaranteed for at least this long. At most the trust window (240 s):
   * a renewal asked for earlier than our own schedule would supersede tokens callers were promised.
   */
  min_valid_seconds: z.optional(z.int().check(z.minimum(0), z.maximum(TRUST_WINDOW_MS / 1000))),
});

export function parseRefreshEvent(event: unknown): RefreshEvent {
  if (scheduled.safeParse(event).success) return { mode: 'scheduled' };
  const parsed = onDemand.safeParse(event);
  if (parsed.success)
    return {
      mode: 'on_demand',
      appId: parsed.data.appid,
      minValidSeconds: parsed.data.min_valid_seconds ?? MIN_SERVED_VALIDITY_MS / 1000,
    };
  throw new RefreshEventError(
    `expected an EventBridge Scheduled Event, or {"appid": "<authorizer appid>", "min_valid_seconds"?: 0..${TRUST_WINDOW_MS / 1000}}`,
  );
}
