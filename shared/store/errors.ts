import { NamedError } from '../errors.js';

/** Base of every error the store throws of its own (DynamoDB's own errors pass through as they are). */
export abstract class StoreError extends NamedError {}

/** An item that does not have the shape this code writes: a bug or a hand edit, never silently used. */
export class StoreCorruptionError extends StoreError {
  readonly itemType: string;
  readonly fields: readonly string[];

  constructor(itemType: string, fields: readonly string[]) {
    super(`a stored ${itemType} item is malformed at: ${fields.join(', ') || '(root)'}`);
    this.itemType = itemType;
    this.fields = fields;
  }
}
