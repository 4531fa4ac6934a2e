import * as z from 'zod/mini';
import type { AuthorizerInfo, AuthorizerKind } from '../../wechat/results.js';

/**
 * An account's information as the authorizer item keeps it (api_get_authorizer_info's answer, and the
 * permission sets api_query_auth reports): the summary fields at the top level, where the listing's
 * Scan can name them, and the rest in one map. Compared field by field, so that an unchanged answer
 * writes nothing.
 */

/** The `accountInfo` map: what only the account's own route shows. */
export const ACCOUNT_INFO_MAP = z.object({
  userName: z.string(),
  headImg: z.optional(z.string()),
  alias: z.optional(z.string()),
  qrcodeUrl: z.optional(z.string()),
  signature: z.optional(z.string()),
  serviceType: z.number(),
  verifyType: z.number(),
  accountStatus: z.optional(z.number()),
});

export type AccountInfoMap = z.output<typeof ACCOUNT_INFO_MAP>;

/** Everything api_get_authorizer_info tells of an account, in the item's names. */
export interface AccountInformation {
  readonly kind: AuthorizerKind;
  readonly nickName: string;
  readonly principalName?: string | undefined;
  readonly accountInfo: AccountInfoMap;
  readonly funcInfo: readonly number[];
}

/** The information as stored (any of it may be missing: never fetched, or only the exchange's funcInfo). */
export interface StoredAccountInformation {
  readonly kind?: AuthorizerKind | undefined;
  readonly nickName?: string | undefined;
  readonly principalName?: string | undefined;
  readonly accountInfo?: AccountInfoMap | undefined;
  readonly funcInfo?: readonly number[] | undefined;
  /** The optimistic lock of the information: every write of it moves this. */
  readonly infoChangedAt?: number | undefined;
}

/** Permission set ids ascending, each once: the one form stored and compared. */
export function normalizeFuncInfo(ids: readonly number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** api_get_authorizer_info's answer in the item's form (no undefined values: DynamoDB maps hold none). */
export function accountInformationOf(info: AuthorizerInfo): AccountInformation {
  const optional = <K extends string, V>(key: K, value: V | undefined) =>
    value === undefined || value === '' ? {} : ({ [key]: value } as Record<K, V>);
  return {
    kind: info.kind,
    nickName: info.nickName,
    ...optional('principalName', info.principalName),
    accountInfo: {
      userName: info.userName,
      ...optional('headImg', info.headImg),
      ...optional('alias', info.alias),
      ...optional('qrcodeUrl', info.qrcodeUrl),
      ...optional('signature', info.signature),
      serviceType: info.serviceType,
      verifyType: info.verifyType,
      ...optional('accountStatus', info.accountStatus),
    },
    funcInfo: normalizeFuncInfo(info.funcInfo),
  };
}

/** Whether storing `fetched` changes anything of what is stored. */
export function accountInformationDiffers(stored: StoredAccountInformation, fetched: AccountInformation): boolean {
  if (stored.kind !== fetched.kind || stored.nickName !== fetched.nickName) return true;
  if (stored.principalName !== fetched.principalName) return true;
  if (!sameNumbers(normalizeFuncInfo(stored.funcInfo ?? []), fetched.funcInfo) || stored.funcInfo === undefined)
    return true;
  const before = stored.accountInfo;
  if (!before) return true;
  const keys = new Set([...Object.keys(before), ...Object.keys(fetched.accountInfo)]);
  for (const key of keys)
    if (before[key as keyof AccountInfoMap] !== fetched.accountInfo[key as keyof AccountInfoMap]) return true;
  return false;
}

export function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
