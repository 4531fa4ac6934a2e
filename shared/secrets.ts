import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { SETTINGS } from './config/settings.js';
import { isEncodingAesKey } from './encoding-aes-key.js';
import { OperatorError } from './errors.js';
import { type Sensitive, sensitive } from './sensitive.js';

/** The component's credentials, as the Secrets Manager secret holds them (JSON). */
export interface ComponentSecret {
  readonly componentAppId: string;
  readonly componentAppSecret: Sensitive;
  readonly messageToken: Sensitive;
  readonly encodingAesKey: Sensitive;
  readonly previousEncodingAesKey?: Sensitive | undefined;
}

export type ComponentSecretReader = () => Promise<ComponentSecret>;

/**
 * What the deploy writes into the secret it creates: this component's AppId and an empty string for each
 * credential, which a person fills in from WeChat's console. Not secret values: the placeholders say
 * which fields to fill, and an empty one is reported as "not filled in" by the reader. Keep it as it is:
 * CloudFormation writes the secret's value again whenever the template's text changes, which would wipe
 * the credentials of every deployed hub (test/infra/outputs.test.ts pins it).
 */
export function componentSecretTemplate(componentAppId: string): Readonly<Record<string, string>> {
  return { componentAppId, componentAppSecret: '', messageToken: '', encodingAesKey: '' };
}

/** Where each credential of the secret is read in WeChat's console (open.weixin.qq.com). */
export const SECRET_FIELD_SOURCES = {
  componentAppId: 'AppID',
  componentAppSecret: 'AppSecret',
  messageToken: '消息校验Token',
  encodingAesKey: '消息加解密Key (43 characters)',
} as const;

/** What to do about a secret that is not filled in: the command and where each value comes from. */
export function secretFillHint(secretId: string | undefined): string {
  const fields = Object.entries(SECRET_FIELD_SOURCES)
    .map(([field, source]) => `${field} = ${source}`)
    .join(', ');
  return (
    `Fill it: aws secretsmanager put-secret-value --secret-id ${secretId ?? '<the secret>'} ` +
    `--secret-string file://component.json, component.json holding {${fields}} from open.weixin.qq.com → ` +
    '第三方平台 → 开发资料 (see docs/deploying.md)'
  );
}

/**
 * The secret exists but is not the JSON this product expects: names the secret and the fields, never a
 * value, and says how to fill it.
 */
export class ComponentSecretError extends OperatorError {
  constructor(problem: string, options?: ErrorOptions & { readonly secretId?: string | undefined }) {
    const named = options?.secretId === undefined ? 'the component secret' : `the component secret ${options.secretId}`;
    super(`${named} is unusable: ${problem}. ${secretFillHint(options?.secretId)}`, options);
  }
}

const secretSchema = z.object({
  componentAppId: z.string().check(z.minLength(1)),
  componentAppSecret: z.string().check(z.minLength(1)),
  messageToken: z.string().check(z.minLength(1)),
  encodingAesKey: z.string().check(z.refine(isEncodingAesKey)),
  previousEncodingAesKey: z.optional(z.string().check(z.refine(isEncodingAesKey))),
});

/** What is wrong with one field, from its value's kind only: the value itself is never put in words. */
function fieldProblem(value: unknown, field: PropertyKey | undefined): string {
  if (field === undefined) return '(root): not a JSON object';
  const given =
    typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[field] : undefined;
  const name = String(field);
  if (given === undefined) return `${name}: missing`;
  if (typeof given !== 'string') return `${name}: not a string`;
  if (given === '') return `${name}: empty (not filled in yet)`;
  return `${name}: not 43 characters of base64 (A-Z, a-z, 0-9, + and /, no padding)`;
}

export function parseComponentSecret(
  value: unknown,
  expectedComponentAppId?: string,
  secretId?: string,
): ComponentSecret {
  const parsed = secretSchema.safeParse(value);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path[0]))];
    throw new ComponentSecretError(fields.map((field) => fieldProblem(value, field)).join('; '), { secretId });
  }
  const data = parsed.data;
  if (expectedComponentAppId !== undefined && data.componentAppId !== expectedComponentAppId) {
    throw new ComponentSecretError(
      `componentAppId differs from the ${SETTINGS.componentAppId.env} this function is configured for (${expectedComponentAppId})`,
      { secretId },
    );
  }
  return {
    componentAppId: data.componentAppId,
    componentAppSecret: sensitive(data.componentAppSecret),
    messageToken: sensitive(data.messageToken),
    encodingAesKey: sensitive(data.encodingAesKey),
    previousEncodingAesKey:
      data.previousEncodingAesKey === undefined ? undefined : sensitive(data.previousEncodingAesKey),
  };
}

/**
 * Reads the secret through Powertools Parameters, which caches it in the Lambda's memory for `maxAge`
 * seconds: one Secrets Manager call per container per five minutes, not one per renewal, and a rotated
 * secret is picked up without a deploy.
 */
export function secretsManagerReader(
  secretId: string,
  options: { expectedComponentAppId?: string; maxAgeSeconds?: number; client?: SecretsManagerClient } = {},
): ComponentSecretReader {
  const provider = new SecretsProvider({ awsSdkV3Client: options.client ?? new SecretsManagerClient({}) });
  // The same secret text gives the same object: callers (the callback's message crypto) can keep what
  // they derived from it until the secret actually changes.
  let last: { raw: string; secret: ComponentSecret } | undefined;
  return async () => {
    const raw = await provider.get(secretId, { maxAge: options.maxAgeSeconds ?? 300 });
    if (typeof raw !== 'string') throw new ComponentSecretError('it has no SecretString', { secretId });
    if (last?.raw === raw) return last.secret;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      // Not Powertools' `transform: 'json'`: JSON.parse's message quotes the text, i.e. the secret.
      throw new ComponentSecretError('it is not JSON', { secretId });
    }
    const secret = parseComponentSecret(value, options.expectedComponentAppId, secretId);
    last = { raw, secret };
    return secret;
  };
}

/** A fixed secret: the local runtime and tests. */
export function staticSecretReader(secret: ComponentSecret): ComponentSecretReader {
  return async () => secret;
}
