import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { configFromEnv } from '../../shared/config/index.js';
import { secretsManagerReader } from '../../shared/secrets.js';
import { TokenService, type TokenServiceParts, wireTokenService } from '../../shared/service.js';
import { createDocumentClient } from '../../shared/store/index.js';
import type { FunctionObservability } from './lambda-entry.js';

type Observed = Pick<FunctionObservability, 'logger' | 'metrics' | 'tracer'>;

/** The token service wired from a Lambda's environment. */
export function serviceFromEnv(observed: Observed): TokenService {
  return new TokenService(partsFromEnv(observed));
}

/**
 * The parts of the domain wired from a Lambda's environment: DynamoDB, Secrets Manager (cached), WeChat.
 * The SDK clients are made here, not in the domain, so that Tracer wraps them (X-Ray subsegments per
 * call) and `shared/` stays free of Powertools.
 */
export function partsFromEnv({ logger, metrics, tracer }: Observed): TokenServiceParts {
  const config = configFromEnv();
  // The document client shares its DynamoDB client's middleware stack: wrapping it traces every store call.
  const doc = tracer.captureAWSv3Client(
    createDocumentClient(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint } : {}),
  );
  const client = tracer.captureAWSv3Client(new SecretsManagerClient({}));
  return wireTokenService({
    config,
    doc,
    secret: secretsManagerReader(config.secretId, { expectedComponentAppId: config.componentAppId, client }),
    logger,
    metrics,
  });
}
