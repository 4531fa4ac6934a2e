import { configFromEnv } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { Metrics } from '../../shared/metrics';
import { secretsManagerReader } from '../../shared/secrets';
import { TokenService, type TokenServiceParts, wireTokenService } from '../../shared/service';
import { createDocumentClient } from '../../shared/store';

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
