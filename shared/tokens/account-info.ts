import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { AccountInformationStore, InformationWrite } from '../store/index.js';
import type { WechatComponentClient } from '../wechat/index.js';
import type { ComponentTokenProvider } from './component-token.js';
import { describe } from './renewal-failure.js';

export interface AccountInformationDeps {
  readonly store: AccountInformationStore;
  readonly client: WechatComponentClient;
  readonly componentTokens: ComponentTokenProvider;
  readonly clock: Clock;
  readonly logger?: Logger | undefined;
}

/**
 * What one fetch of an account's information came to: `unchanged` (nothing written), `stored`,
 * `superseded` (information stored after our request was sent, or while we compared: it is at least as
 * new as ours, and stays) or `not_stored` (no such account).
 */
export type AccountInformationOutcome = InformationWrite;

/**
 * Fetches api_get_authorizer_info for `appId` and stores what changed: nothing is written for an answer
 * equal to what is stored, and nothing over information stored after the request was sent. A failure
 * (WeChat, the component token, DynamoDB) is thrown; the exchange and the sync each decide what it means.
 */
export async function refreshAccountInformation(
  deps: AccountInformationDeps,
  appId: string,
  call?: { signal?: AbortSignal | undefined },
): Promise<AccountInformationOutcome> {
  const sentAt = deps.clock.now();
  const info = await deps.componentTokens.withToken((token) => deps.client.getAuthorizerInfo(token, appId, call));
  return deps.store.storeInformation(appId, info, sentAt, deps.clock.now());
}

/**
 * The information fetched after an exchange stored the account: a failure is logged and left to the
 * sync (which fetches first the accounts that have none), never the exchange's failure.
 */
export async function fetchAfterExchange(deps: AccountInformationDeps, appId: string): Promise<void> {
  try {
    const outcome = await refreshAccountInformation(deps, appId);
    deps.logger?.info('account information after the exchange', { appId, outcome });
  } catch (error) {
    deps.logger?.warn('account information not fetched after the exchange; the sync fetches it', {
      appId,
      ...describe(error),
    });
  }
}
