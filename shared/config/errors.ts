/**
 * The configuration is unusable: every problem found, at once rather than the first. Thrown by
 * `configFromEnv` at a Lambda's start and by the CDK construct for props out of range.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(`invalid configuration: ${problems.join('; ')}`, options);
    this.name = new.target.name;
    this.problems = problems;
  }
}
