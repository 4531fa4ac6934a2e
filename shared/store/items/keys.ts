import { TABLE_SCHEMA } from '../schema.js';
import type { Condition, Key } from '../table.js';

/**
 * The keys of one item type: a prefix, then the id there is one item per (an appid, a component AppId),
 * so that every item type shares the one partition key and a Scan can tell them apart.
 */
export function itemKeys(prefix: string) {
  return {
    key: (id: string): Key => ({ pk: `${prefix}${id}` }),
    /** The id a key of this type names; `undefined` for the key of another item type. */
    idOf: (pk: string): string | undefined => (pk.startsWith(prefix) ? pk.slice(prefix.length) : undefined),
    /** The Scan filter that keeps the items of this type and no other. */
    filter: {
      expression: `begins_with(#${TABLE_SCHEMA.partitionKey}, :prefix)`,
      values: { ':prefix': prefix },
    } satisfies Condition,
  };
}
