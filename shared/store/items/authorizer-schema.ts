import * as z from 'zod/mini';
import { ISSUED_TOKEN_FIELDS } from '../token-state.js';
import { ACCOUNT_INFO_MAP } from './account-info.js';

/**
 * The authorizer item's attributes, checked where they are read (authorizer-views.ts); its key and its
 * new items are in authorizer.ts, its named writes in authorizer-transitions.ts.
 */

/** What an account can be: the one list of them. */
export const AUTHORIZER_STATUSES = ['active', 'revoked', 'refresh_token_invalid'] as const;
export type AuthorizerStatus = (typeof AUTHORIZER_STATUSES)[number];

/**
 * Why an account has its status, written with every write of a status (the lifecycle events read it):
 * active `authorized` (an exchanged authorization code: a push or the redirect) or `listed` (the sync found
 * or re-listed it); revoked `unauthorized_push`, `absent_from_listing` or `not_authorized` (61003);
 * refresh_token_invalid `awaiting_exchange` (the pending item of an authorization push) or
 * `refresh_token_refused` (61023). Items written before it have none: unknown.
 */
export const STATUS_REASONS = {
  active: ['authorized', 'listed'],
  revoked: ['unauthorized_push', 'absent_from_listing', 'not_authorized'],
  refresh_token_invalid: ['awaiting_exchange', 'refresh_token_refused'],
} as const satisfies Record<AuthorizerStatus, readonly string[]>;
export type StatusReason = (typeof STATUS_REASONS)[AuthorizerStatus][number];
const ALL_STATUS_REASONS = Object.values(STATUS_REASONS).flat() as [StatusReason, ...StatusReason[]];

/** What an account is, as api_get_authorizer_info says (MiniProgramInfo present: a mini program). */
export const AUTHORIZER_KINDS = ['official_account', 'mini_program'] as const;

/** The account's information (see account-info.ts): all optional, an account may never have had it fetched. */
const ACCOUNT_INFO_FIELDS = {
  /** The granted permission sets, ascending, each once (api_query_auth, api_get_authorizer_info). */
  funcInfo: z.optional(z.array(z.number())),
  kind: z.optional(z.enum(AUTHORIZER_KINDS)),
  nickName: z.optional(z.string()),
  principalName: z.optional(z.string()),
  accountInfo: z.optional(ACCOUNT_INFO_MAP),
  /** Epoch ms of the last change of kind, nickName, principalName, accountInfo or funcInfo. */
  infoChangedAt: z.optional(z.number()),
};

/** Every attribute of the item (but its key, and the lease and doubt that the token state reads leniently). */
export const AUTHORIZER_ITEM_SCHEMA = z.object({
  appId: z.string(),
  status: z.enum(AUTHORIZER_STATUSES),
  refreshToken: z.string(),
  /** Unix seconds of the latest authorization, as WeChat reports it. */
  authTime: z.number(),
  ...ISSUED_TOKEN_FIELDS,
  refreshAt: z.optional(z.number()),
  version: z.number(),
  refreshTokenChangedAt: z.number(),
  statusChangedAt: z.number(),
  authTimeChangedAt: z.number(),
  accessTokenChangedAt: z.optional(z.number()),
  /** The start of the complete listing that first lacked it (absent from every one since). */
  absentSince: z.optional(z.number()),
  /** Its partition in the due index (its own renewal shard, or RECOVERY_SHARD); none: out of the index. */
  dueShard: z.optional(z.string()),
  statusReason: z.optional(z.enum(ALL_STATUS_REASONS)),
  /** +1 on every write (1 at creation; none on an item no write touched since it came): the events' order. */
  revision: z.optional(z.number()),
  ...ACCOUNT_INFO_FIELDS,
});

/** The name of an attribute of the item, checked against its schema where another module names one. */
export type AuthorizerAttribute = keyof z.output<typeof AUTHORIZER_ITEM_SCHEMA>;
