import { inspect } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ComponentSecretError,
  componentSecretTemplate,
  parseComponentSecret,
  secretsManagerReader,
} from '../shared/secrets.js';

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

  it('the template the deploy writes is reported as not filled in: the secret, each empty field, and how to fill it', async () => {
    const arn = 'arn:aws:secretsmanager:ap-east-1:123456789012:secret:TokensComponentSecret-AbCdEf';
    secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify(componentSecretTemplate(good.componentAppId)),
    });
    const read = secretsManagerReader(arn, {
      client: new SecretsManagerClient({ region: 'local' }),
      expectedComponentAppId: good.componentAppId,
    });
    const message = String(await read().catch((e: unknown) => e));
    expect(message).toContain(`the component secret ${arn} is unusable`);
    for (const field of ['componentAppSecret', 'messageToken', 'encodingAesKey'])
      expect(message).toContain(`${field}: empty (not filled in yet)`);
    expect(message).not.toMatch(/componentAppId:/);
    expect(message).toContain(
      `aws secretsmanager put-secret-value --secret-id ${arn} --secret-string file://component.json`,
    );
    for (const source of ['open.weixin.qq.com', '开发资料', 'AppSecret', '消息校验Token', '消息加解密Key'])
      expect(message).toContain(source);
  });

  it("accepts WeChat's own sample EncodingAESKey, whose last character carries stray bits", () => {
    const sample = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    const parsed = parseComponentSecret({ ...good, encodingAesKey: sample, previousEncodingAesKey: sample });
    expect(parsed.encodingAesKey.reveal()).toBe(sample);
  });

  it.each([
    ['a field missing', { ...good, componentAppSecret: undefined }, 'componentAppSecret: missing'],
    ['a field of the wrong type', { ...good, messageToken: 42 }, 'messageToken: not a string'],
    [
      'a key of the wrong length',
      { ...good, encodingAesKey: 'the-app-secret-value' },
      'encodingAesKey: not 43 characters',
    ],
    [
      // 43 characters, but URL-safe base64: passed the length check and then refused every genuine push
      'a key of 43 characters that are not all base64',
      { ...good, encodingAesKey: `${good.encodingAesKey.slice(0, 42)}-` },
      'encodingAesKey: not 43 characters of base64',
    ],
    [
      // A mistyped replaced key had broken the message crypto, so pushes under the current key were refused
      'a previous key that is not base64',
      { ...good, previousEncodingAesKey: `_${good.encodingAesKey.slice(1)}` },
      'previousEncodingAesKey: not 43 characters of base64',
    ],
    ['not an object', ['the-app-secret-value'], '(root): not a JSON object'],
  ])('%s: the field and its kind of problem, never the values', (_name, value, problem) => {
    const error = (() => {
      try {
        parseComponentSecret(value, undefined, 'component-secret');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ComponentSecretError);
    const text = `${String(error)} ${inspect(error)}`;
    expect(text).toContain(problem);
    for (const secretValue of [good.componentAppSecret, good.messageToken, 'the-app-secret-value'])
      expect(text).not.toContain(secretValue);
  });
});
