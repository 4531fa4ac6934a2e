/**
 * The root of every error this project throws on purpose. It names the error after its own class, here
 * and only here, so that no subclass repeats its name and a log line's `error` is the exact class; and
 * it keeps the `cause` it is given. Each layer derives one base from it (`WechatError`, `PushError`,
 * `StoreError`, `TokenError`, `TokenServiceError`, `LocalRuntimeError`, `SimulatorError`), and its
 * errors from that base, so that `instanceof` tells a layer's failures from everything else.
 *
 * The name is read from the class at run time: a bundle must keep class names (esbuild `keepNames`).
 */
export abstract class NamedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
