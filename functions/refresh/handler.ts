// The refresh Lambda: scheduled by EventBridge (renew every due token), or invoked for one appid.
import { isAppId } from '../../shared/appid.js';
import type { TokenService } from '../../shared/service.js';
import { observe } from '../common/lambda-entry.js';
import { serviceFromEnv } from '../common/service-from-env.js';
import { createRefresh, type RefreshResponse } from './refresh.js';

const observed = observe('refresh');
let service: TokenService | undefined;
const refresh = createRefresh(() => (service ??= serviceFromEnv(observed)));

/** An on-demand run's lines name its appid; a scheduled run's have none. */
function keysOf(event: unknown) {
  const appid = typeof event === 'object' && event !== null ? (event as { appid?: unknown }).appid : undefined;
  return { appid: typeof appid === 'string' && isAppId(appid) ? appid : undefined };
}

export const handler = observed.entry<unknown, RefreshResponse>((event, context) => refresh(event, context), keysOf);
