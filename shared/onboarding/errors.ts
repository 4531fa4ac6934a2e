import { NamedError, OperatorError } from '../errors.js';

/** Why an onboarding request is refused: each is one `error` code of the IAM routes (docs/api.md). */
export type OnboardingRefusal =
  | 'invalid_body'
  | 'return_url_not_allowed'
  | 'session_not_found'
  | 'session_expired'
  | 'session_completed'
  | 'code_spent'
  /** Only on the page (`GET /authorize`): the session's page was opened `MAX_PAGE_OPENINGS` times. */
  | 'page_openings_exhausted';

/** Base of every error the onboarding layer throws of its own. */
export abstract class OnboardingError extends NamedError {}

/**
 * A request the onboarding refuses for `refusal`: an expected answer, not a failure. Its message is
 * written for the caller and never quotes a code, a session id or the URL it refused.
 */
export class OnboardingRefusedError extends OnboardingError {
  readonly refusal: OnboardingRefusal;

  constructor(refusal: OnboardingRefusal, message: string) {
    super(message);
    this.refusal = refusal;
  }
}

/** The hub cannot serve onboarding as configured (no public base URL, an allow-list entry it cannot read). */
export class OnboardingConfigError extends OperatorError {}
