import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ROUTE_KEYS } from '../../shared/api/routes.js';
import { errorLogFields } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { PushOutcome } from '../../shared/push/index.js';
import { MAX_PUSH_BYTES } from '../../shared/push/open-push.js';
import type { PushService } from '../../shared/push-service.js';

type Answer = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };
const text = (statusCode: number, body: string): Answer => ({
  statusCode,
  headers: { 'content-type': 'text/plain' },
  body,
});

/**
 * The one answer to every refused push, whatever the reason (it is logged and counted instead). An
 * answer that said which check failed would be an oracle: told `bad_padding` apart from `bad_encoding`,
 * anyone with the message Token decrypts captured pushes a byte at a time.
 */
export const REFUSED = text(400, 'refused');

/**
 * WeChat's authorization-event URL (no IAM: WeChat calls it). The event is read into the push WeChat
 * sent (the query's signature parameters and `encrypt_type`, the body), the push service handles it, and
 * its outcome is answered: `success` only for a push handled, so that WeChat re-delivers every other;
 * `refused`, alike for every refusal; `try again` (500) for a failure on our side.
 */
export function createCallback(pushes: () => PushService, logger: Logger) {
  return async (event: APIGatewayProxyEventV2): Promise<Answer> => {
    try {
      if (event.routeKey !== ROUTE_KEYS.wechatCallback) return text(404, 'not found');
      const query = event.queryStringParameters ?? {};
      const outcome = await pushes().handlePush({
        msgSignature: query['msg_signature'] ?? '',
        timestamp: query['timestamp'] ?? '',
        nonce: query['nonce'] ?? '',
        encryptType: query['encrypt_type'],
        body: bodyOf(event),
      });
      return answerTo(outcome);
    } catch (error) {
      // Not answered `success`: WeChat delivers the push again.
      logger.error('push handling failed; WeChat will re-deliver', errorLogFields(error));
      return text(500, 'try again');
    }
  };
}

/**
 * The body as text. One whose base64 says it is over the cap is not decoded: its base64 text is longer
 * still, so the push service refuses it unread as too large, like every other refusal.
 */
function bodyOf(event: APIGatewayProxyEventV2): string {
  const raw = event.body ?? '';
  if (!event.isBase64Encoded || Math.floor((raw.length * 3) / 4) > MAX_PUSH_BYTES) return raw;
  return Buffer.from(raw, 'base64').toString('utf8');
}

/** WeChat counts a push as delivered only when the answer is exactly `success`. */
function answerTo(outcome: PushOutcome): Answer {
  return outcome.kind === 'handled' ? text(200, 'success') : { ...REFUSED, headers: { ...REFUSED.headers } };
}
