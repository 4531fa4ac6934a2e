import type { AuthorizerAttribute } from './items/authorizer.js';
import { appIdOfAuthorizerKey } from './items/authorizer.js';
import { distrustToken as distrustAuthorizerToken } from './items/authorizer-transitions.js';
import { componentAppIdOfKey, distrustToken as distrustComponentToken } from './items/component.js';
import { TABLE_SCHEMA } from './schema.js';
import type { Table, Write } from './table.js';
import { TOKEN_ATTRIBUTES } from './token-state.js';

/** An access token the table holds, as the local runtime's check at start sees it. */
export type StoredToken =
  | { readonly kind: 'authorizer'; readonly appId: string; readonly token: string }
  | { readonly kind: 'component'; readonly componentAppId: string; readonly token: string };

const STATUS: AuthorizerAttribute = 'status';

/**
 * Every access token the table holds (an authorizer's or the component's), each with the write that
 * drops it: `distrust()` removes it if it is still the stored one (`false` when it is not), and makes an
 * active account due at once. A consistent Scan of only what that needs, for the local runtime at start.
 */
export async function* storedTokens(
  table: Table,
): AsyncGenerator<{ stored: StoredToken; distrust(): Promise<boolean> }> {
  const token = TOKEN_ATTRIBUTES.accessToken;
  const scan = {
    filter: { expression: `attribute_exists(#${token})` },
    projection: [TABLE_SCHEMA.partitionKey, STATUS, token],
    consistent: true,
  };
  const distrust = (write: Write) => async () => (await table.apply(write)) !== undefined;
  for await (const item of table.scan(scan)) {
    const pk = item[TABLE_SCHEMA.partitionKey];
    const stored = item[token];
    if (typeof pk !== 'string' || typeof stored !== 'string') continue;
    const appId = appIdOfAuthorizerKey(pk);
    const componentAppId = componentAppIdOfKey(pk);
    if (appId !== undefined) {
      yield {
        stored: { kind: 'authorizer', appId, token: stored },
        distrust: distrust(distrustAuthorizerToken(appId, stored, item[STATUS])),
      };
    } else if (componentAppId !== undefined) {
      yield {
        stored: { kind: 'component', componentAppId, token: stored },
        distrust: distrust(distrustComponentToken(componentAppId, stored)),
      };
    }
  }
}
