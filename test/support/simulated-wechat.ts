import { MessageCrypto } from '../../shared/push/index.js';
import { type Sensitive, sensitive } from '../../shared/sensitive.js';
import { WechatComponentClient, type WechatComponentClientOptions } from '../../shared/wechat/index.js';
import { SIMULATOR_CREDENTIALS, type WechatSimulator } from '../../simulator/index.js';

export const componentAppSecret = sensitive(SIMULATOR_CREDENTIALS.componentAppSecret);

/** The crypto of the component the simulator plays WeChat for (the receiving side's copy). */
export function componentCrypto(): MessageCrypto {
  return new MessageCrypto({
    appId: SIMULATOR_CREDENTIALS.componentAppId,
    token: sensitive(SIMULATOR_CREDENTIALS.messageToken),
    encodingAesKey: sensitive(SIMULATOR_CREDENTIALS.encodingAesKey),
  });
}

/** A client for the simulator, with retries fast enough for tests (the delays are still real). */
export function clientFor(
  simulator: WechatSimulator,
  options: Partial<WechatComponentClientOptions> = {},
): WechatComponentClient {
  return new WechatComponentClient({
    componentAppId: SIMULATOR_CREDENTIALS.componentAppId,
    baseUrl: simulator.url,
    timeoutMs: 2_000,
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, totalBudgetMs: 5_000 },
    ...options,
  });
}

/** A component token obtained the way the product will: with a ticket the simulator issued. */
export async function componentToken(simulator: WechatSimulator, client: WechatComponentClient): Promise<Sensitive> {
  const ticket = sensitive(simulator.world.issueTicket());
  const result = await client.getComponentAccessToken({ componentAppSecret, componentVerifyTicket: ticket });
  return result.componentAccessToken;
}
