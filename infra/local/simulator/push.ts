import { randomBytes } from 'node:crypto';
import { buildFlatXml, sealPush, type MessageCrypto } from '../../../shared/crypto';
import type { Clock } from './clock';

export type AuthorizationEvent = 'authorized' | 'updateauthorized' | 'unauthorized';

export interface PushResult {
  readonly status: number;
  readonly body: string;
  /** WeChat counts a push as delivered only when the answer is the plain body `success`. */
  readonly accepted: boolean;
}

/**
 * POSTs an encrypted push to a callback URL exactly as WeChat does: the signed query string
 * (signature, timestamp, nonce, encrypt_type=aes, msg_signature) and an `<xml>` body with AppId and
 * Encrypt.
 */
export async function deliverPush(
  crypto: MessageCrypto,
  callbackUrl: string,
  fields: Readonly<Record<string, string | number>>,
  clock: Clock,
): Promise<PushResult> {
  const sealed = sealPush(crypto, buildFlatXml(fields), {
    timestamp: String(Math.floor(clock.now() / 1000)),
    nonce: String(randomBytes(4).readUInt32BE()),
  });
  const url = new URL(callbackUrl);
  url.searchParams.set('signature', sealed.signature);
  url.searchParams.set('timestamp', sealed.timestamp);
  url.searchParams.set('nonce', sealed.nonce);
  url.searchParams.set('encrypt_type', 'aes');
  url.searchParams.set('msg_signature', sealed.msgSignature);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: sealed.body,
    signal: AbortSignal.timeout(5_000),
  });
  const body = await response.text();
  return { status: response.status, body, accepted: response.status === 200 && body === 'success' };
}
