/** An item that does not have the shape this code writes: a bug or a hand edit, never silently used. */
export class StoreCorruptionError extends Error {
  readonly itemType: string;
  readonly fields: readonly string[];

  constructor(itemType: string, fields: readonly string[]) {
    super(`a stored ${itemType} item is malformed at: ${fields.join(', ') || '(root)'}`);
    this.name = 'StoreCorruptionError';
    this.itemType = itemType;
    this.fields = fields;
  }
}
