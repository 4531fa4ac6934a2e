import { authorizerKey } from '../../../shared/store/index.js';
import type { WechatSimulator } from '../../../simulator/index.js';
import { scanAttributes } from './raw-scan.js';

// What the simulated day measures in the store against WeChat's world: the accounts without a token
// WeChat accepts (sampled every step) and the refresh tokens lost (at the end), read by raw Scans.

interface ScannedAuthorizer {
  readonly appId: string;
  readonly status: string;
  readonly refreshToken: string;
  readonly accessToken?: string;
}

/** Every stored account; the refresh tokens only when asked (the per-step sample needs none). */
async function scanAuthorizers(
  endpoint: string,
  tableName: string,
  withRefreshTokens = false,
): Promise<ScannedAuthorizer[]> {
  const projection = ['appId', 'status', 'accessToken', ...(withRefreshTokens ? ['refreshToken'] : [])];
  const items = await scanAttributes(endpoint, { tableName, projection, prefix: authorizerKey('').pk });
  return items.map((item) => ({
    appId: String(item['appId']),
    status: String(item['status']),
    refreshToken: String(item['refreshToken'] ?? ''),
    ...(typeof item['accessToken'] === 'string' ? { accessToken: item['accessToken'] } : {}),
  }));
}

/** Accounts WeChat lists as authorized whose stored record holds no token WeChat accepts now. */
export async function accountsWithoutValidToken(
  endpoint: string,
  tableName: string,
  simulator: WechatSimulator,
): Promise<number> {
  const stored = new Map((await scanAuthorizers(endpoint, tableName)).map((item) => [item.appId, item]));
  let count = 0;
  for (const { appId } of simulator.world.population.listing()) {
    const item = stored.get(appId);
    if (
      item?.status !== 'active' ||
      !item.accessToken ||
      !simulator.world.isAuthorizerTokenValid(appId, item.accessToken)
    )
      count++;
  }
  return count;
}

/** Stored accounts WeChat still knows whose stored refresh token WeChat no longer accepts. */
export async function refreshTokensLost(
  endpoint: string,
  tableName: string,
  simulator: WechatSimulator,
): Promise<number> {
  let count = 0;
  for (const item of await scanAuthorizers(endpoint, tableName, true)) {
    if (
      simulator.world.refreshTokenOf(item.appId) !== undefined &&
      !simulator.world.acceptsRefreshToken(item.appId, item.refreshToken)
    )
      count++;
  }
  return count;
}
