import * as z from 'zod/mini';
import { type WechatApi, WechatMalformedResponseError } from './errors.js';
import type { WechatPayload } from './transport.js';

// The response bodies of the component APIs, as their pages document them. Zod (the mini build, to keep
// Lambda bundles small) checks them, so that a field WeChat leaves out is an error here and never an
// `undefined` three calls later.

const token = z.string().check(z.minLength(1));
const seconds = z.int().check(z.positive());

export const componentTokenResponse = z.object({
  component_access_token: token,
  expires_in: seconds,
});

export const authorizerListResponse = z.object({
  total_count: z.int().check(z.nonnegative()),
  list: z.array(
    z.object({
      authorizer_appid: token,
      refresh_token: token,
      auth_time: z.int().check(z.nonnegative()),
    }),
  ),
});

export const authorizerTokenResponse = z.object({
  authorizer_access_token: token,
  expires_in: seconds,
  authorizer_refresh_token: token,
});

export const queryAuthResponse = z.object({
  authorization_info: z.object({
    authorizer_appid: token,
    authorizer_access_token: token,
    expires_in: seconds,
    authorizer_refresh_token: token,
    func_info: z.optional(z.array(z.object({ funcscope_category: z.object({ id: z.int() }) }))),
  }),
});

const typeInfo = z.object({ id: z.int() });
const optionalText = z.optional(z.string());

/**
 * api_get_authorizer_info. Strict on what identifies the account (user_name, the type ids) and on the
 * permission sets; lenient on what WeChat documents as possibly empty or leaves out for some accounts
 * (alias, head_img, qrcode_url, signature…). nick_name must be there but may be empty: WeChat answers
 * "" for some mini programs. The refresh token the answer also carries is not read at all.
 */
export const authorizerInfoResponse = z.object({
  authorizer_info: z.object({
    nick_name: z.string(),
    head_img: optionalText,
    service_type_info: typeInfo,
    verify_type_info: typeInfo,
    user_name: token,
    alias: optionalText,
    qrcode_url: optionalText,
    principal_name: optionalText,
    signature: optionalText,
    account_status: z.optional(z.int()),
    // Only its presence matters here: it marks a mini program.
    MiniProgramInfo: z.optional(z.object({})),
  }),
  authorization_info: z.object({
    // Required: an answer without the granted sets would read as "every permission withdrawn".
    func_info: z.array(z.object({ funcscope_category: z.object({ id: z.int() }) })),
  }),
});

export const preAuthCodeResponse = z.object({
  pre_auth_code: token,
  expires_in: seconds,
});

/**
 * Checks a payload against its schema. The error names the fields and what was expected of them, never
 * the values (they may be tokens).
 */
export function parseResponse<T>(api: WechatApi, schema: z.ZodMiniType<T>, payload: WechatPayload): T {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${describeIssue(issue)}`)
    .join('; ');
  throw new WechatMalformedResponseError(api, 200, problems);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_small':
      return `below the minimum ${String(issue.minimum)}`;
    default:
      return issue.code;
  }
}
