import type { AuthorizerRenewer, RenewalResult } from '../../shared/tokens/index.js';
import type { WechatCalls } from './wechat-calls.js';

/**
 * The renewer the local refresh runs with: once the runtime is stopping, a renewal is not started at all
 * and counts as a network failure (the account stays due for the next run), as if WeChat were cut off
 * before the call. The scheduled run takes no abort signal, and its deadline is fixed when it starts;
 * without this, a run over thousands of due accounts would still take each one's lease, fail and log,
 * for tens of seconds after Ctrl-C.
 */
export function stoppableRenewer(renewer: AuthorizerRenewer, calls: WechatCalls): AuthorizerRenewer {
  const stopping: RenewalResult = {
    kind: 'failed',
    failure: 'network',
    error: new Error('the local runtime is stopping: not renewed, left due for the next run'),
  };
  return new Proxy(renewer, {
    get(target, key) {
      if (key === 'renew')
        return (...args: Parameters<AuthorizerRenewer['renew']>) =>
          calls.aborted ? Promise.resolve(stopping) : target.renew(...args);
      const value: unknown = Reflect.get(target, key, target);
      // Bound to the renewer itself: its methods read its private fields, which the proxy does not have.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
