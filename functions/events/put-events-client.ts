import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { EventsError } from '../../shared/events/errors.js';
import type { EventBusClient, PutEventsEntry, PutEventsResult } from '../../shared/events/index.js';

/**
 * EventBridge's PutEvents over SigV4-signed fetch (the JSON 1.1 protocol the SDK speaks), because
 * `@aws-sdk/client-eventbridge` is not yet a dependency of the package. When it is, this file goes and
 * the handler adapts the SDK's client in one line (`EventBusClient`'s doc): the publisher does not change.
 */

/** EventBridge answered a whole PutEvents call with an error (throttled, denied, malformed). */
export class PutEventsCallError extends EventsError {
  constructor(
    readonly status: number,
    readonly errorType: string,
  ) {
    super(`PutEvents failed: ${status} ${errorType}`);
  }
}

export interface SignedPutEventsOptions {
  readonly region: string;
  readonly credentials?: AwsCredentialIdentityProvider;
  /** Only for tests: another endpoint (the default is the Region's public one). */
  readonly endpoint?: string;
  readonly fetch?: typeof fetch;
}

export function signedPutEventsClient(options: SignedPutEventsOptions): EventBusClient {
  const signer = new SignatureV4({
    service: 'events',
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Hash.bind(null, 'sha256'),
  });
  const url = new URL(options.endpoint ?? `https://events.${options.region}.amazonaws.com/`);
  return {
    async putEvents(entries: readonly PutEventsEntry[]): Promise<PutEventsResult> {
      const body = JSON.stringify({
        Entries: entries.map((entry) => ({ ...entry, Time: entry.Time ? entry.Time.getTime() / 1000 : undefined })),
      });
      const request = new HttpRequest({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        headers: {
          host: url.host,
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AWSEvents.PutEvents',
        },
        body,
      });
      const signed = await signer.sign(request);
      const response = await (options.fetch ?? fetch)(url, {
        method: 'POST',
        headers: signed.headers,
        body,
        signal: AbortSignal.timeout(10_000),
      });
      const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (!response.ok) {
        // `__type` is "namespace#Code" in the JSON protocol; the message is not repeated (it can quote input).
        const type = typeof answer['__type'] === 'string' ? answer['__type'].split('#').pop() : undefined;
        throw new PutEventsCallError(response.status, type ?? 'http_error');
      }
      return answer as PutEventsResult;
    },
  };
}
