import { describe, expect, it } from 'vitest';
import { createCallback } from '../../functions/callback/callback.js';
import { createGetter } from '../../functions/getter/getter.js';
import { ConfigError } from '../../shared/config/errors.js';
import type { PushService } from '../../shared/push-service.js';
import { parseComponentSecret } from '../../shared/secrets.js';
import type { TokenService } from '../../shared/service.js';
import { callbackEvent, tokenEvent } from '../fixtures/api-gateway.js';
import { recordingLogger } from '../support/recording-logger.js';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:component-AbCdEf';
const APPID = 'wx1111111111111111';
const PUSH = { query: { encrypt_type: 'aes', msg_signature: 'x', timestamp: '1', nonce: 'n' }, body: '<xml/>' };

/** The error the functions meet right after a deploy: the secret still holds its template. */
function unfilledSecretError(): unknown {
  try {
    parseComponentSecret(
      { componentAppId: 'wx0123456789abcdef', componentAppSecret: '', messageToken: '', encodingAesKey: '' },
      undefined,
      SECRET_ARN,
    );
  } catch (error) {
    return error;
  }
  throw new Error('the template was accepted');
}

const failingService = (error: unknown) =>
  ({
    serveAuthorizerToken: () => Promise.reject(error),
  }) as unknown as TokenService;
const failingPushes = (error: unknown) => ({ handlePush: () => Promise.reject(error) }) as unknown as PushService;

describe('what the getter and the callback log of a failure', () => {
  it('an unfilled secret: the log line says which secret, which fields and the command that fills it', async () => {
    const logger = recordingLogger();
    const answer = await createGetter(() => failingService(unfilledSecretError()), logger)(tokenEvent(APPID));
    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toContain('secret');
    const line = JSON.parse(logger.lines.at(-1) ?? '{}') as Record<string, string>;
    expect(line['error']).toBe('ComponentSecretError');
    expect(line['message']).toContain(SECRET_ARN);
    expect(line['message']).toContain('componentAppSecret');
    expect(line['message']).toContain('aws secretsmanager put-secret-value');
  });

  it('a configuration error names the variable (the callback, the first function WeChat reaches)', async () => {
    const logger = recordingLogger();
    const error = new ConfigError(['REFRESH_CONCURRENCY must be a whole number from 1 to 64, got "abc"']);
    const answer = await createCallback(() => failingPushes(error), logger)(callbackEvent(PUSH));
    expect(answer.statusCode).toBe(500);
    expect(logger.lines.at(-1)).toContain('REFRESH_CONCURRENCY must be a whole number');
  });

  it("every other error is logged by its class only: its message may quote a token or WeChat's answer", async () => {
    const logger = recordingLogger();
    const leaky = new TypeError('unexpected token 88_ACCESS_TOKEN_VALUE in the answer');
    await createGetter(() => failingService(leaky), logger)(tokenEvent(APPID));
    await createCallback(() => failingPushes(leaky), logger)(callbackEvent(PUSH));
    expect(logger.lines).toHaveLength(2);
    for (const line of logger.lines) {
      expect(JSON.parse(line)).toMatchObject({ error: 'TypeError' });
      expect(line).not.toContain('88_ACCESS_TOKEN_VALUE');
    }
  });
});
