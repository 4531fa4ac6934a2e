import { OperatorError } from '../errors.js';

/**
 * The configuration is unusable: every problem found, at once rather than the first. Thrown by
 * `configFromEnv` at a Lambda's start; the CDK construct reports props out of range at synth instead.
 */
export class ConfigError extends OperatorError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(`invalid configuration: ${problems.join('; ')}`, options);
    this.problems = problems;
  }
}
