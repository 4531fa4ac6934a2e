import { APPID_RULE, isAppId } from '../../shared/appid.js';
import type { WechatSimulator } from '../../simulator/index.js';
import { LocalSettingError } from './errors.js';

/**
 * The appids of `WECHAT_SIM_APPIDS` (`wx…,wx…`; spaces and empty items ignored), each checked by the one
 * appid rule: a consumer's tests name the accounts they use, and a typo must stop the start, not give an
 * account nobody asked for.
 */
export function parseSeedAppIds(raw: string | undefined, name = 'WECHAT_SIM_APPIDS'): string[] {
  if (raw === undefined) return [];
  const appIds = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  requireAppIds(appIds, name);
  return [...new Set(appIds)];
}

export function requireAppIds(appIds: readonly string[], name = 'seedAppIds'): void {
  for (const appId of appIds) {
    if (!isAppId(appId)) throw new LocalSettingError(`${name}: "${appId}" is not an appid (${APPID_RULE})`);
  }
}

/**
 * Makes each appid an authorized account of the simulator (as if it had authorized before the start),
 * so that the first sync brings it in. An account already authorized (a restored state) is left as it
 * is: authorizing it again would replace the refresh token the table holds. Answers the appids added.
 */
export function seedSimulator(simulator: WechatSimulator, appIds: readonly string[]): string[] {
  const added: string[] = [];
  for (const appId of appIds) {
    if (simulator.world.population.get(appId)?.authorized) continue;
    simulator.world.authorize(appId);
    added.push(appId);
  }
  return added;
}
