import type * as z from 'zod/mini';
import { StoreCorruptionError } from '../errors.js';
import type { Item } from '../table.js';

/** What one read of an item sees: the attributes it reads, and the value they make. */
export interface Projection<T> {
  readonly attributes: readonly string[];
  /** The value of an item read with (at least) `attributes`; a malformed item is refused. */
  decode(item: Item): T;
}

/**
 * A projection through `schema`, whose fields are the attributes read: an item that does not match it
 * is refused with a StoreCorruptionError naming its fields, never their values.
 */
export function projection<S extends z.ZodMiniObject, T>(
  schema: S,
  itemType: string,
  toValue: (data: z.output<S>, item: Item) => T,
): Projection<T> {
  return {
    attributes: Object.keys(schema.shape),
    decode(item) {
      const parsed = schema.safeParse(item);
      if (!parsed.success)
        throw new StoreCorruptionError(
          itemType,
          parsed.error.issues.map((issue) => issue.path.join('.')),
        );
      return toValue(parsed.data, item);
    },
  };
}
