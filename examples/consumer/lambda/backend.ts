// The backend's Lambda: the token of one of the two accounts it was granted, from the hub's API (SigV4,
// the Lambda's role), for its own call to WeChat.
import { TokenServiceError, WechatTokenClient } from 'wechat-authorizer-tokens/client';

function fromEnvironment(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const tokens = new WechatTokenClient({
  endpoint: fromEnvironment('TOKEN_API_URL'),
  region: fromEnvironment('AWS_REGION'),
});

export async function handler(event: { appId: string }): Promise<{ appId: string; sent: boolean }> {
  const token: string = await tokens.getToken(event.appId);
  const answer = await fetch(`https://api.weixin.qq.com/cgi-bin/get_api_domain_ip?access_token=${token}`);
  const { errcode } = (await answer.json()) as { errcode?: number };
  if (errcode === 40001) {
    // WeChat refused the token: the hub checks it and renews it once for every caller.
    await tokens.reportInvalid(event.appId, token);
    return { appId: event.appId, sent: false };
  }
  return { appId: event.appId, sent: true };
}

export function isRetryable(error: unknown): boolean {
  return error instanceof TokenServiceError && error.retryAfterSeconds !== undefined;
}
