import { inspect } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ComponentSecretError, secretsManagerReader } from '../shared/secrets.js';

const secretsManager = mockClient(SecretsManagerClient);
afterEach(() => secretsManager.reset());

const good = {
  componentAppId: 'wx5e1a0c0ffee0c0de',
  componentAppSecret: 'the-app-secret-value',
  messageToken: 'the-message-token',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};

describe('the component secret from Secrets Manager', () => {
  it('is parsed into Sensitive values and cached for its max age', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(good) });
    const read = secretsManagerReader('component-secret', { client: new SecretsManagerClient({ region: 'local' }) });
    const secret = await read();
    expect(await read()).toBe(secret); // the same object while the secret is unchanged
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toMatchObject({
      SecretId: 'component-secret',
    });
    expect(secret.componentAppSecret.reveal()).toBe('the-app-secret-value');
    expect(inspect(secret)).not.toContain('the-app-secret-value');
    expect(JSON.stringify(secret)).not.toContain('the-message-token');
  });

  it.each([
    ['not JSON', 'the-app-secret-value is not json', /not JSON/],
    ['a field missing', JSON.stringify({ ...good, messageToken: undefined }), /messageToken/],
    ['a key of the wrong length', JSON.stringify({ ...good, encodingAesKey: 'short' }), /encodingAesKey/],
  ])('%s: a typed error that names the problem, never the value', async (_name, secretString, message) => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: secretString });
    const read = secretsManagerReader('component-secret', {
      client: new SecretsManagerClient({ region: 'local' }),
      maxAgeSeconds: 0,
    });
    const error = await read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComponentSecretError);
    expect((error as ComponentSecretError).name).toBe('ComponentSecretError');
    expect(String(error)).toMatch(message);
    expect(`${String(error)} ${inspect(error)}`).not.toContain('the-app-secret-value');
  });

  it('refuses a secret for another component', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(good) });
    const read = secretsManagerReader('component-secret', {
      client: new SecretsManagerClient({ region: 'local' }),
      expectedComponentAppId: 'wxsomeoneelse00000',
    });
    await expect(read()).rejects.toThrow(/differs from the COMPONENT_APPID/);
  });
});
