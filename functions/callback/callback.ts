import { ROUTE_KEYS } from '../../shared/api/routes';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { MAX_PUSH_BYTES, MessageCrypto, openPush, WechatCryptoError, type XmlFields } from '../../shared/push';
import type { Logger } from '../../shared/logger';
import type { ComponentSecret } from '../../shared/secrets';
import { sensitive } from '../../shared/sensitive';
import type { TokenService } from '../../shared/service';
import { exchangeAuthorization } from '../../shared/tokens';
import { isAppId } from '../../shared/appid';


type Answer = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };
const text = (statusCode: number, body: string): Answer => ({ statusCode, headers: { 'content-type': 'text/plain' }, body });
/** WeChat counts a push as delivered only when the answer is exactly `success`. */
const SUCCESS = text(200, 'success');

class PushRefused extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * WeChat's authorization-event URL (no IAM: WeChat calls it). Every push is verified, decrypted and
 * checked before anything changes; tickets are kept unless a newer one is stored, authorizations are
 * exchanged and stored at once, revocations marked. Handling is idempotent: WeChat re-delivers pushes.
 */
export function createCallback(service: () => TokenService, logger: Logger) {
  let cached: { secret: ComponentSecret; crypto: MessageCrypto } | undefined;
  const cryptoFor = async (): Promise<MessageCrypto> => {
    const current = await service().secret();
    if (cached?.secret !== current) {
      cached = {
        secret: current,
        crypto: new MessageCrypto({
          appId: current.componentAppId,
          token: current.messageToken,
          encodingAesKey: current.encodingAesKey,
          previousEncodingAesKey: current.previousEncodingAesKey,
        }),
      };
    }
    return cached.crypto;
  };

  async function handle(fields: XmlFields): Promise<void> {
    const { component, client, componentTokens, clock, config, renewer, authorizers } = service();
    const createTime = Number(fields['CreateTime']);
    if (!Number.isInteger(createTime) || createTime <= 0) throw new PushRefused(400, 'CreateTime is missing or not a number');
    const infoType = fields['InfoType'];
    const now = clock.now();
    switch (infoType) {
      case 'component_verify_ticket': {
        const ticket = required(fields, 'ComponentVerifyTicket');
        const stored = await component.saveTicket(config.componentAppId, { ticket: sensitive(ticket), createTime, now });
        logger.info('component_verify_ticket received', { stored: stored === 'stored', createTime });
        return;
      }
      case 'authorized':
      case 'updateauthorized': {
        const appId = requiredAppId(fields);
        const outcome = await exchangeAuthorization(
          { store: authorizers, client, componentTokens, clock, renewalMarginMs: renewer.renewalMarginMs },
          { appId, authorizationCode: sensitive(required(fields, 'AuthorizationCode')), createTime },
        );
        if (outcome.kind === 'wrong_account') throw new PushRefused(400, 'the authorization code belongs to another account');
        if (outcome.kind === 'code_spent') logger.info('authorization code already exchanged or expired: a re-delivered push', { appId, infoType, errcode: outcome.errcode });
        else logger.info('authorization stored', { appId, infoType, stored: outcome.kind === 'stored' });
        return;
      }
      case 'unauthorized': {
        const appId = requiredAppId(fields);
        const revoked = await authorizers.revokeByPush(appId, createTime, now);
        logger.info('authorization revoked', { appId, revoked });
        return;
      }
      default:
        logger.info('push acknowledged and ignored', { infoType: infoType ?? '(none)' });
    }
  }

  return async (event: APIGatewayProxyEventV2): Promise<Answer> => {
    try {
      if (event.routeKey !== ROUTE_KEYS.wechatCallback) return text(404, 'not found');
      const raw = event.body ?? '';
      const size = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw, 'utf8');
      if (size > MAX_PUSH_BYTES) return text(413, 'push too large');
      const query = event.queryStringParameters ?? {};
      if (query['encrypt_type'] !== 'aes') return text(400, 'only encrypted (encrypt_type=aes) pushes are accepted');
      const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
      const crypto = await cryptoFor();
      const opened = openPush(
        crypto,
        { msgSignature: query['msg_signature'] ?? '', timestamp: query['timestamp'] ?? '', nonce: query['nonce'] ?? '', body },
      );
      // The ciphertext already ended with our AppId; a differing <AppId> field is a forgery or a mix-up.
      const appId = opened.fields['AppId'];
      if (appId !== undefined && appId !== crypto.appId) throw new PushRefused(403, 'the push is for another component');
      await handle(opened.fields);
      return SUCCESS;
    } catch (error) {
      if (error instanceof PushRefused) return text(error.statusCode, error.message);
      if (error instanceof WechatCryptoError) {
        logger.warn('push refused', { reason: error.reason });
        const status = error.reason === 'signature_mismatch' || error.reason === 'appid_mismatch' ? 403 : error.reason === 'body_too_large' ? 413 : 400;
        return text(status, `refused: ${error.reason}`);
      }
      // Not answered `success`: WeChat delivers the push again.
      logger.error('push handling failed; WeChat will re-deliver', { error: error instanceof Error ? error.name : typeof error });
      return text(500, 'try again');
    }
  };
}

function required(fields: XmlFields, name: string): string {
  const value = fields[name];
  if (!value) throw new PushRefused(400, `the push has no ${name}`);
  return value;
}

function requiredAppId(fields: XmlFields): string {
  const appId = required(fields, 'AuthorizerAppid');
  if (!isAppId(appId)) throw new PushRefused(400, 'AuthorizerAppid is not an appid');
  return appId;
}
