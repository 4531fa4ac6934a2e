/** The product's name in every log line, metric dimension and Powertools setting. */
export const SERVICE_NAME = 'wechat-authorizer-tokens';

/**
 * The slice of a structured logger the domain needs. Powertools for AWS Lambda's `Logger` satisfies it,
 * so the Lambdas pass theirs and tests pass a recorder; the domain never picks a logging library.
 */
export interface Logger {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
