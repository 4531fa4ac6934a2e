import { configFromEnv } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import { secretsManagerReader } from '../../shared/secrets.js';
import { TokenService, type TokenServiceParts, wireTokenService } from '../../shared/service.js';
import { createDocumentClient } from '../../shared/store/index.js';

/** The token service wired from a Lambda's environment. */
export function serviceFromEnv(logger: Logger, metrics: Metrics): TokenService {
  return new TokenService(partsFromEnv(logger, metrics));
}

/** The parts of the domain wired from a Lambda's environment: DynamoDB, Secrets Manager (cached), WeChat. */
export function partsFromEnv(logger: Logger, metrics: Metrics): TokenServiceParts {
  const config = configFromEnv();
  return wireTokenService({
    config,
    doc: createDocumentClient(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint } : {}),
    secret: secretsManagerReader(config.secretId, { expectedComponentAppId: config.componentAppId }),
    logger,
    metrics,
  });
}
