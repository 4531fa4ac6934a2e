import type { CallOptions, WechatComponentClient } from '../wechat/index.js';

/**
 * `client` with `signal` added to the calls of an exchange (api_query_auth, and api_get_authorizer_info
 * after it), so that the redirect's exchange ends within its budget: exchangeAuthorization gives its own
 * deadline to api_query_auth alone (the push's budget), and none to the information fetch. An aborted
 * information fetch is logged and left to the sync, never the exchange's failure. Every other member is
 * the client's own (bound to it: the client keeps private state).
 */
export function withSignal(client: WechatComponentClient, signal: AbortSignal): WechatComponentClient {
  const joined = (call: CallOptions | undefined): CallOptions => ({
    ...call,
    signal: call?.signal ? AbortSignal.any([call.signal, signal]) : signal,
  });
  const queryAuth: WechatComponentClient['queryAuth'] = (token, input, call) =>
    client.queryAuth(token, input, joined(call));
  const getAuthorizerInfo: WechatComponentClient['getAuthorizerInfo'] = (token, appId, call) =>
    client.getAuthorizerInfo(token, appId, joined(call));
  return new Proxy(client, {
    get(target, property) {
      if (property === 'queryAuth') return queryAuth;
      if (property === 'getAuthorizerInfo') return getAuthorizerInfo;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
