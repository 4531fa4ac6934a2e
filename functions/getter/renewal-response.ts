import type { RenewalResult, ServedToken } from '../../shared/tokens/index.js';
import { failure, type HttpResponse, json } from '../common/http.js';

/** The token route's answer: the token, and until when it is guaranteed to work (never WeChat's later expiry). */
function tokenResponse(appId: string, token: ServedToken, now: number): HttpResponse {
  return json(200, {
    authorizer_appid: appId,
    authorizer_access_token: token.token.reveal(),
    expires_at: new Date(token.guaranteedUntil).toISOString(),
    expires_in: Math.max(0, Math.floor((token.guaranteedUntil - now) / 1000)),
  });
}

/** What a renewal's outcome means to a caller, as an HTTP answer. */
export function renewalResponse(appId: string, result: RenewalResult, now: number): HttpResponse {
  switch (result.kind) {
    case 'renewed':
    case 'current':
      return tokenResponse(appId, result.token, now);
    case 'not_found':
      return failure(404, 'unknown_authorizer', `no authorizer ${appId} is known`);
    case 'inactive':
      return inactiveResponse(appId, result.status);
    case 'busy':
      return failure(503, 'renewal_in_progress', 'the token is being renewed; ask again shortly', 1);
    case 'failed':
      switch (result.failure) {
        case 'refresh_token_invalid':
          return inactiveResponse(appId, 'refresh_token_invalid');
        case 'not_authorized':
          return inactiveResponse(appId, 'revoked');
        case 'quota':
          return failure(503, 'wechat_quota_exhausted', "WeChat's daily quota for this call is spent", 600);
        case 'component_token':
          return failure(503, 'component_token_unavailable', 'the component token cannot be had right now', 30);
        case 'retryable':
        case 'network':
          return failure(503, 'wechat_unavailable', 'WeChat is not answering; ask again shortly', 5);
        case 'rejected':
          return failure(502, 'wechat_rejected', 'WeChat refused the renewal');
        case 'lease_expired':
          return failure(503, 'renewal_in_progress', 'the token is being renewed; ask again shortly', 1);
        case 'internal':
          return failure(500, 'internal', 'internal error');
      }
  }
}

function inactiveResponse(appId: string, status: 'revoked' | 'refresh_token_invalid'): HttpResponse {
  const message =
    status === 'revoked'
      ? `${appId} has revoked its authorization`
      : `${appId}'s refresh token is invalid; the sync restores it from WeChat's authorizer list`;
  return failure(410, status, message);
}
