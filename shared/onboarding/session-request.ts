import * as z from 'zod/mini';
import { APPID_PATTERN } from '../appid.js';
import { MAX_URL_LENGTH } from './allow-list.js';
import { type AuthType, DEFAULT_AUTH_TYPE, type OnboardingKind } from './link.js';

/** The largest body of `POST /authorizations` or `/authorizations/link` read (checked before parsing). */
export const MAX_ONBOARDING_BODY_BYTES = 4_096;

/** The longest `state` a caller may pass through (it comes back on `return_url`, so it is kept short). */
export const MAX_STATE_LENGTH = 512;

/** What a session is asked to be: the PC or H5 page, which accounts, and where the browser returns. */
export interface SessionRequest {
  readonly kind: OnboardingKind;
  readonly authType: AuthType;
  readonly bizAppId?: string | undefined;
  /** `return_url` of a session, or `redirect_uri` of a bare link: checked against the allow-list later. */
  readonly returnUrl: string;
  readonly state?: string | undefined;
}

const common = {
  kind: z.enum(['pc', 'h5']),
  auth_type: z.optional(z.union([z.literal(1), z.literal(2), z.literal(3)])),
  biz_appid: z.optional(z.string().check(z.regex(APPID_PATTERN))),
};
const url = z.string().check(z.minLength(1), z.maxLength(MAX_URL_LENGTH));

/** Unknown fields are refused: a misspelt `retrun_url` must not silently become a session without one. */
const sessionBody = z.strictObject({
  ...common,
  return_url: url,
  state: z.optional(z.string().check(z.maxLength(MAX_STATE_LENGTH))),
});
const linkBody = z.strictObject({ ...common, redirect_uri: url });

export type ReadBody = { readonly kind: 'ok'; readonly request: SessionRequest } | { readonly kind: 'invalid' };

/** What each body is, in words, for the caller that sent another. */
export const SESSION_BODY_RULE = `expected {"kind": "pc" | "h5", "auth_type"?: 1 | 2 | 3, "biz_appid"?: appid, "return_url": URL, "state"?: up to ${MAX_STATE_LENGTH} characters}, nothing else, at most ${MAX_ONBOARDING_BODY_BYTES} bytes`;
export const LINK_BODY_RULE = `expected {"kind": "pc" | "h5", "auth_type"?: 1 | 2 | 3, "biz_appid"?: appid, "redirect_uri": URL}, nothing else, at most ${MAX_ONBOARDING_BODY_BYTES} bytes`;

/**
 * The body of `POST /authorizations` (`for: 'session'`) or `POST /authorizations/link` (`for: 'link'`),
 * as API Gateway hands it (base64 or not): its size first, on the text as received, then its JSON.
 */
export function readSessionBody(
  body: string | undefined,
  isBase64Encoded: boolean | undefined,
  kind: 'session' | 'link',
): ReadBody {
  if (body === undefined) return { kind: 'invalid' };
  const maxText = isBase64Encoded ? Math.ceil(MAX_ONBOARDING_BODY_BYTES / 3) * 4 : MAX_ONBOARDING_BODY_BYTES;
  if (body.length > maxText) return { kind: 'invalid' };
  const bytes = isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (bytes.length > MAX_ONBOARDING_BODY_BYTES) return { kind: 'invalid' };
  const json = parseJson(bytes.toString('utf8'));
  if (kind === 'link') {
    const parsed = linkBody.safeParse(json);
    if (!parsed.success) return { kind: 'invalid' };
    const { kind: pageKind, auth_type, biz_appid, redirect_uri } = parsed.data;
    return {
      kind: 'ok',
      request: {
        kind: pageKind,
        authType: auth_type ?? DEFAULT_AUTH_TYPE,
        bizAppId: biz_appid,
        returnUrl: redirect_uri,
      },
    };
  }
  const parsed = sessionBody.safeParse(json);
  if (!parsed.success) return { kind: 'invalid' };
  const { kind: pageKind, auth_type, biz_appid, return_url, state } = parsed.data;
  return {
    kind: 'ok',
    request: {
      kind: pageKind,
      authType: auth_type ?? DEFAULT_AUTH_TYPE,
      bizAppId: biz_appid,
      returnUrl: return_url,
      state,
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
