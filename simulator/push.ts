import { randomBytes } from 'node:crypto';
import { buildFlatXml, type MessageCrypto, sealPush } from '../shared/push/index.js';
import type { Clock } from './clock.js';

export type AuthorizationEvent = 'authorized' | 'updateauthorized' | 'unauthorized';

export interface PushResult {
  /** The last delivery's answer (0 when no delivery was answered). */
  readonly status: number;
  readonly body: string;
  /** WeChat counts a push as delivered only when the answer is the plain body `success`. */
  readonly accepted: boolean;
  /** How many times the push was sent. */
  readonly deliveries: number;
}

/** WeChat waits 5 seconds for an answer, and sends a push that was not answered `success` three times in all. */
const DELIVERY_TIMEOUT_MS = 5_000;
export const MAX_DELIVERIES = 3;

/**
 * POSTs an encrypted push to a callback URL exactly as WeChat does: the signed query string
 * (signature, timestamp, nonce, encrypt_type=aes, msg_signature) and an `<xml>` body with AppId and
 * Encrypt; the very same push again while it is not answered `success`, so that receivers must be
 * idempotent.
 */
export async function deliverPush(
  crypto: MessageCrypto,
  callbackUrl: string,
  fields: Readonly<Record<string, string | number>>,
  clock: Clock,
  maxDeliveries = MAX_DELIVERIES,
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
  let last: PushResult = { status: 0, body: '', accepted: false, deliveries: 0 };
  for (let delivery = 1; delivery <= maxDeliveries; delivery++) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: sealed.body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      const body = await response.text();
      last = {
        status: response.status,
        body,
        accepted: response.status === 200 && body === 'success',
        deliveries: delivery,
      };
    } catch {
      last = { status: 0, body: '', accepted: false, deliveries: delivery };
    }
    if (last.accepted) break;
  }
  return last;
}
