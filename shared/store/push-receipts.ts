import { isLiveReceipt, pushReceiptKey, rememberPush } from './items/push-receipt.js';
import type { Table } from './table.js';

/**
 * The pushes the callback handled, each remembered for a while (see items/push-receipt.ts): one
 * consistent GetItem before a push is acted on, one conditional UpdateItem after it was.
 */
export class PushReceipts {
  constructor(private readonly table: Table) {}

  /** Whether the push `receiptId` names was handled and is still remembered at `now`. */
  async handled(receiptId: string, now: number): Promise<boolean> {
    return isLiveReceipt(await this.table.get(pushReceiptKey(receiptId), true, ['expiresAt']), now);
  }

  /**
   * Remembers the push until `until` (epoch ms). Written only after the push was acted on: a failure in
   * between leaves it unremembered, so that WeChat's next delivery acts on it.
   */
  async remember(receiptId: string, now: number, until: number): Promise<void> {
    await this.table.apply(rememberPush(receiptId, now, until));
  }
}
