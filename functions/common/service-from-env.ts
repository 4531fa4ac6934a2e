import { configFromEnv } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { Metrics } from '../../shared/metrics';
import { secretsManagerReader } from '../../shared/secrets';
import { createTokenService, type TokenService } from '../../shared/service';
import { createDocumentClient } from '../../shared/store';

/** The domain wired from a Lambda's environment: DynamoDB, Secrets Manager (cached), WeChat. */
export function serviceFromEnv(logger: Logger, metrics: Metrics): TokenService {
  const config = configFromEnv();
  return createTokenService({
    config,
    doc: createDocumentClient(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint } : {}),
    secret: secretsManagerReader(config.secretId, { expectedComponentAppId: config.componentAppId }),
    logger,
    metrics,
  });
}
