import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { SETTINGS } from './config/settings.js';
import { NamedError } from './errors.js';
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

/** The secret exists but is not the JSON this product expects; names the fields, never the values. */
export class ComponentSecretError extends NamedError {
  constructor(problem: string, options?: ErrorOptions) {
    super(`the component secret is unusable: ${problem}`, options);
  }
}

const secretSchema = z.object({
  componentAppId: z.string().check(z.minLength(1)),
  componentAppSecret: z.string().check(z.minLength(1)),
  messageToken: z.string().check(z.minLength(1)),
  encodingAesKey: z.string().check(z.length(43)),
  previousEncodingAesKey: z.optional(z.string().check(z.length(43))),
});

export function parseComponentSecret(value: unknown, expectedComponentAppId?: string): ComponentSecret {
  const parsed = secretSchema.safeParse(value);
  if (!parsed.success) {
    throw new ComponentSecretError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`).join('; '),
    );
  }
  const data = parsed.data;
  if (expectedComponentAppId !== undefined && data.componentAppId !== expectedComponentAppId) {
    throw new ComponentSecretError(
      `componentAppId differs from the ${SETTINGS.componentAppId.env} this function is configured for`,
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
    if (typeof raw !== 'string') throw new ComponentSecretError('it has no SecretString');
    if (last?.raw === raw) return last.secret;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      // Not Powertools' `transform: 'json'`: JSON.parse's message quotes the text, i.e. the secret.
      throw new ComponentSecretError('it is not JSON');
    }
    const secret = parseComponentSecret(value, options.expectedComponentAppId);
    last = { raw, secret };
    return secret;
  };
}

/** A fixed secret: the local runtime and tests. */
export function staticSecretReader(secret: ComponentSecret): ComponentSecretReader {
  return async () => secret;
}
