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

/**
 * An error whose message is written for the operator: it names what to fix (a variable, a secret's field,
 * the command that fills it) and never a secret's value. Its message is logged whole; every other
 * error's is not, since it may quote a token or WeChat's answer.
 */
export abstract class OperatorError extends NamedError {}

/** What a log line says of a failure: always its class; its message only if it is an `OperatorError`. */
export function errorLogFields(error: unknown): { readonly error: string; readonly message?: string } {
  if (error instanceof OperatorError) return { error: error.name, message: error.message };
  return { error: error instanceof Error ? error.name : typeof error };
}
