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
 * WeChat's authorization-event URL (no IAM: WeChat calls it). The event is read into the push WeChat
 * sent (route, size, the query's signature parameters, the body), the push service handles it, and its
 * outcome is answered: `success` only for a push handled, so that WeChat re-delivers every other.
 */
export function createCallback(pushes: () => PushService, logger: Logger) {
  return async (event: APIGatewayProxyEventV2): Promise<Answer> => {
    try {
      if (event.routeKey !== ROUTE_KEYS.wechatCallback) return text(404, 'not found');
      const raw = event.body ?? '';
      const size = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw, 'utf8');
      if (size > MAX_PUSH_BYTES) return text(413, 'push too large');
      const query = event.queryStringParameters ?? {};
      if (query['encrypt_type'] !== 'aes') return text(400, 'only encrypted (encrypt_type=aes) pushes are accepted');
      const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
      const outcome = await pushes().handlePush({
        msgSignature: query['msg_signature'] ?? '',
        timestamp: query['timestamp'] ?? '',
        nonce: query['nonce'] ?? '',
        body,
      });
      return answerTo(outcome);
    } catch (error) {
      // Not answered `success`: WeChat delivers the push again.
      logger.error('push handling failed; WeChat will re-deliver', errorLogFields(error));
      return text(500, 'try again');
    }
  };
}

/** WeChat counts a push as delivered only when the answer is exactly `success`. */
function answerTo(outcome: PushOutcome): Answer {
  switch (outcome.kind) {
    case 'handled':
      return text(200, 'success');
    case 'unopened': {
      const { reason } = outcome;
      const status =
        reason === 'signature_mismatch' || reason === 'appid_mismatch' ? 403 : reason === 'body_too_large' ? 413 : 400;
      return text(status, `refused: ${reason}`);
    }
    case 'other_component':
      return text(403, 'the push is for another component');
    case 'malformed':
      return text(400, outcome.problem);
    case 'wrong_account':
      return text(400, 'the authorization code belongs to another account');
  }
}
