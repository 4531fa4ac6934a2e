import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SIMULATOR_CREDENTIALS } from '../../../simulator/index.js';

/**
 * A Secrets Manager client that answers GetSecretValue with the simulator's component credentials
 * (the secret as the README says to fill it) without a network or credentials: the middleware answers
 * before signing. Every other operation throws, so that a call the product should not make is loud.
 */
export function stubbedSecretsManager(region: string): SecretsManagerClient {
  const client = new SecretsManagerClient({ region, credentials: { accessKeyId: 'stub', secretAccessKey: 'stub' } });
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      if (context.commandName !== 'GetSecretValueCommand') {
        throw new Error(`the secret stub answers GetSecretValue only, not ${context.commandName}`);
      }
      const secretId = String((args.input as { SecretId?: unknown }).SecretId);
      const { componentAppId, componentAppSecret, messageToken, encodingAesKey } = SIMULATOR_CREDENTIALS;
      return {
        response: {},
        output: {
          $metadata: {},
          ARN: secretId,
          SecretString: JSON.stringify({ componentAppId, componentAppSecret, messageToken, encodingAesKey }),
          VersionId: 'stub-version',
        },
      };
    },
    { step: 'initialize', priority: 'low', name: 'secretStub' },
  );
  return client;
}
