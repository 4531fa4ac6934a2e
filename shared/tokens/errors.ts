import { NamedError } from '../errors.js';

/** Base of every error the token layer throws: a token that cannot be renewed or handed out now. */
export abstract class TokenError extends NamedError {}

/** Why no component access token can be had right now. Each has its own metric and alarm. */
export type ComponentTokenProblem =
  /** No component_verify_ticket was ever stored for this component: WeChat has not pushed one yet. */
  | 'no_ticket'
  /** The stored ticket is older than WeChat honours (12 hours): pushes have stopped arriving. */
  | 'ticket_expired'
  /** Another instance holds the renewal lease and did not finish in time. */
  | 'busy';

export class ComponentTokenUnavailableError extends TokenError {
  readonly problem: ComponentTokenProblem;

  constructor(problem: ComponentTokenProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}
