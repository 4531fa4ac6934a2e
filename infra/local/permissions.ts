import { ControlInputError } from './errors.js';

/** WeChat's permission-set ids (权限集 `funcscope_category.id`) are small positive numbers; this bounds a typo. */
const MAX_PERMISSION_SET = 1_000;

/**
 * `permissions` of `POST /__sim/permissions`: the permission-set ids the account now grants, at least
 * one (revoking them all is `/__sim/revoke`), ascending and unique as the authorizer item keeps `funcInfo`.
 */
export function permissionSets(value: unknown): number[] {
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((id) => typeof id === 'number' && Number.isInteger(id) && id >= 1 && id <= MAX_PERMISSION_SET);
  if (!valid)
    throw new ControlInputError(
      'invalid_permissions',
      `"permissions" must be a non-empty list of permission-set ids (whole numbers from 1 to ${MAX_PERMISSION_SET}), got ${JSON.stringify(value) ?? String(value)}`,
    );
  return [...new Set(value as number[])].sort((a, b) => a - b);
}
