import { allOf, type Condition, type Write } from '../table.js';
import type { AccountInformation } from './account-info.js';
import { authorizerWrite } from './authorizer.js';

const EXISTS: Condition = { expression: 'attribute_exists(#pk)' };

/**
 * The account's information stored from an api_get_authorizer_info answer, if what is stored of it is
 * still what the caller compared the answer with (`infoChangedAt` as read; none: none stored). The
 * caller writes only an answer that differs, and only one requested after that information was stored
 * (see shared/tokens/account-info.ts). Not a change of tokens or status: the version stays.
 */
export function storeAccountInformation(
  appId: string,
  info: AccountInformation,
  readInfoChangedAt: number | undefined,
  now: number,
): Write {
  const { principalName, ...rest } = info;
  const unchanged: Condition =
    readInfoChangedAt === undefined
      ? { expression: 'attribute_not_exists(#infoChangedAt)' }
      : { expression: '#infoChangedAt = :readInfoChangedAt', values: { ':readInfoChangedAt': readInfoChangedAt } };
  return authorizerWrite(
    appId,
    {
      // Strictly later than the one read, so that the lock moves even within one millisecond.
      set: {
        ...rest,
        funcInfo: [...info.funcInfo],
        ...(principalName === undefined ? {} : { principalName }),
        infoChangedAt: Math.max(now, (readInfoChangedAt ?? 0) + 1),
      },
      ...(principalName === undefined ? { remove: ['principalName'] } : {}),
    },
    allOf(EXISTS, unchanged),
  );
}
