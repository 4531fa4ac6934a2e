import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ControlAnswer, ControlRequest } from './control.js';
import { LocalRuntimeError } from './errors.js';

type RouteHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
type ControlHandler = (request: ControlRequest) => Promise<ControlAnswer>;

export interface LocalHandlers {
  readonly getter: RouteHandler;
  readonly callback: RouteHandler;
  readonly onboarding: RouteHandler;
  readonly control: ControlHandler;
}

/** Why a request that arrived during the start was not served: the start failed, or the runtime stopped. */
export class RuntimeNotServingError extends LocalRuntimeError {}

/**
 * The API's handlers, given once they are wired. The API listens before anything else starts, because
 * the onboarding's own URLs (the authorize page, WeChat's `redirect_uri`, the default return URL) are
 * the API's, whose port is known only once it listens (`port: 0`); a request that arrives meanwhile
 * waits for the handlers rather than meeting a half-built runtime, and is answered 500 if the start
 * fails instead.
 */
export class LateHandlers {
  readonly #ready: Promise<LocalHandlers>;
  #resolve: (handlers: LocalHandlers) => void = () => undefined;
  #reject: (error: Error) => void = () => undefined;

  constructor() {
    this.#ready = new Promise<LocalHandlers>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Nobody may be waiting when the start fails: that is no unhandled rejection.
    this.#ready.catch(() => undefined);
  }

  /** What the API server is given: each waits for the handler wired later. */
  readonly handlers: LocalHandlers = {
    getter: async (event) => (await this.#ready).getter(event),
    callback: async (event) => (await this.#ready).callback(event),
    onboarding: async (event) => (await this.#ready).onboarding(event),
    control: async (request) => (await this.#ready).control(request),
  };

  wire(handlers: LocalHandlers): void {
    this.#resolve(handlers);
  }

  /** The start failed or the runtime stops before it was wired: the requests waiting are answered 500. */
  abandon(): void {
    this.#reject(new RuntimeNotServingError('the local runtime did not start'));
  }
}
