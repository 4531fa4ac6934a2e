import * as z from 'zod/mini';
import { type Sensitive, sensitive } from '../../sensitive.js';
import type { AuthorizerKind } from '../../wechat/results.js';
import { TABLE_SCHEMA } from '../schema.js';
import { decodeTokenState, type TokenState } from '../token-state.js';
import type { StoredAccountInformation } from './account-info.js';
import { type AuthorizerStatus, AUTHORIZER_ITEM_SCHEMA as itemSchema, type StatusReason } from './authorizer-schema.js';
import { projection } from './projection.js';

/**
 * What each reader sees of the authorizer item, and the projection it reads it with: each reads only
 * what it uses, and the getter's never a token.
 */

/** What every read of an account sees of it. */
interface AuthorizerAccount {
  readonly appId: string;
  readonly status: AuthorizerStatus;
  readonly refreshToken: Sensitive;
  /** Unix seconds of the latest authorization, as WeChat reports it. */
  readonly authTime: number;
}

export interface AuthorizerRecord extends TokenState, AuthorizerAccount {
  readonly statusReason?: StatusReason | undefined;
  /** The granted permission sets (the rest of the information is not read with the tokens). */
  readonly funcInfo?: readonly number[] | undefined;
  readonly infoChangedAt?: number | undefined;
  readonly changedAt: {
    readonly refreshToken: number;
    readonly status: number;
    readonly authTime: number;
    readonly accessToken?: number | undefined;
  };
}

/** What the sync needs to know of a stored authorizer to decide whether a listing changes it. */
export interface AuthorizerSnapshot extends AuthorizerAccount {
  readonly version: number;
  readonly refreshTokenChangedAt: number;
  /** A refused account whose refresh token was stored after this was not refused (see `decide`). */
  readonly statusChangedAt: number;
  /** The start of the complete listing that first lacked it (absent from every one since). */
  readonly absentSince?: number | undefined;
  /** The due index's key, to find an active account the index lost (see `needsReindex`). */
  readonly refreshAt?: number | undefined;
  readonly dueShard?: string | undefined;
  /** Whether api_get_authorizer_info's answer was ever stored (its `kind`): the information refresh's first. */
  readonly hasInfo?: boolean | undefined;
}

/** One account as the getter's listing shows it: never a token. */
export interface AuthorizerSummary {
  readonly appId: string;
  readonly status: AuthorizerStatus;
  readonly authTime: number;
  readonly accessTokenExpiresAt?: number | undefined;
  readonly kind?: AuthorizerKind | undefined;
  readonly nickName?: string | undefined;
  readonly principalName?: string | undefined;
  readonly funcInfo?: readonly number[] | undefined;
}

/** One account as its own route shows it: never a token. */
export interface AuthorizerDetail extends StoredAccountInformation {
  readonly appId: string;
  readonly status: AuthorizerStatus;
  readonly statusReason?: StatusReason | undefined;
  readonly authTime: number;
  readonly statusChangedAt: number;
  readonly authTimeChangedAt: number;
}

/** One entry of api_get_authorizer_list, with when the page that carried it was requested. */
export interface ListedEntry {
  readonly appId: string;
  readonly refreshToken: Sensitive;
  readonly authTime: number;
  /** Epoch ms at which the page's request was sent: nothing stored after it may be overwritten by it. */
  readonly fetchedAt: number;
}

/**
 * The item as the renewal reads it: all but what only the sync uses (its absence, its index key), which
 * the getter and the renewer neither read nor check.
 */
export const AUTHORIZER_RECORD = projection(
  z.omit(itemSchema, {
    absentSince: true,
    dueShard: true,
    kind: true,
    nickName: true,
    principalName: true,
    accountInfo: true,
  }),
  'authorizer',
  (data, item): AuthorizerRecord => ({
    ...decodeTokenState(item),
    appId: data.appId,
    status: data.status,
    statusReason: data.statusReason,
    refreshToken: sensitive(data.refreshToken),
    authTime: data.authTime,
    funcInfo: data.funcInfo,
    infoChangedAt: data.infoChangedAt,
    changedAt: {
      refreshToken: data.refreshTokenChangedAt,
      status: data.statusChangedAt,
      authTime: data.authTimeChangedAt,
      accessToken: data.accessTokenChangedAt,
    },
  }),
);

/** Only what the sync compares: the unchanged sync of 100,000 accounts is bound by the Scan that reads it. */
export const AUTHORIZER_SNAPSHOT = projection(
  z.pick(itemSchema, {
    appId: true,
    status: true,
    refreshToken: true,
    authTime: true,
    version: true,
    refreshTokenChangedAt: true,
    statusChangedAt: true,
    absentSince: true,
    refreshAt: true,
    dueShard: true,
    kind: true,
  }),
  'authorizer',
  ({ refreshToken, kind, ...rest }): AuthorizerSnapshot => ({
    ...rest,
    refreshToken: sensitive(refreshToken),
    hasInfo: kind !== undefined,
  }),
);

/** Only what the getter's listing shows. */
export const AUTHORIZER_SUMMARY = projection(
  z.pick(itemSchema, {
    appId: true,
    status: true,
    authTime: true,
    accessTokenExpiresAt: true,
    kind: true,
    nickName: true,
    principalName: true,
    funcInfo: true,
  }),
  'authorizer',
  (data): AuthorizerSummary => data,
);

/** The stored information alone: what the information refresh compares an answer with. */
export const AUTHORIZER_INFO = projection(
  z.pick(itemSchema, {
    appId: true,
    kind: true,
    nickName: true,
    principalName: true,
    accountInfo: true,
    funcInfo: true,
    infoChangedAt: true,
  }),
  'authorizer',
  ({ appId: _appId, ...data }): StoredAccountInformation => data,
);

/** What the account's own route shows (`GET /authorizers/{appid}`): no token, no refresh token. */
export const AUTHORIZER_DETAIL = projection(
  z.pick(itemSchema, {
    appId: true,
    status: true,
    statusReason: true,
    authTime: true,
    statusChangedAt: true,
    authTimeChangedAt: true,
    kind: true,
    nickName: true,
    principalName: true,
    accountInfo: true,
    funcInfo: true,
    infoChangedAt: true,
  }),
  'authorizer',
  (data): AuthorizerDetail => data,
);

/**
 * Every attribute the listing's Scan names: what it shows, and the partition key its filter reads. The
 * one list: the getter's role may Scan these and no other (infra/function-access.ts), so that its Scan
 * cannot read a refresh token or an access token.
 */
export const AUTHORIZER_LISTING_ATTRIBUTES: readonly string[] = [
  TABLE_SCHEMA.partitionKey,
  ...AUTHORIZER_SUMMARY.attributes,
];
