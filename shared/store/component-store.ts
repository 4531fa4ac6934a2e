import type { Sensitive } from '../sensitive.js';
import { COMPONENT_RECORD, type ComponentRecord, componentKey, saveTicket, tokenChange } from './items/component.js';
import type { Table } from './table.js';
import type { TokenStateChange } from './token-state.js';

export type { ComponentRecord, StoredTicket } from './items/component.js';
export { ticketAgeMs } from './items/component.js';

/** The component item, one per component AppId: the latest ticket, the component token, its lease. */
export class ComponentStore {
  constructor(private readonly table: Table) {}

  async get(componentAppId: string, options: { consistent?: boolean } = {}): Promise<ComponentRecord | undefined> {
    const item = await this.table.get(componentKey(componentAppId), options.consistent ?? true);
    return item ? COMPONENT_RECORD.decode(item) : undefined;
  }

  /**
   * Keeps the ticket unless an equal or newer one (by WeChat's CreateTime) is stored: pushes are retried
   * and can arrive out of order. A stored CreateTime beyond any clock skew ahead of `now` is replaced
   * (see `saveTicket`). Creates the component item on the first ticket.
   */
  async saveTicket(
    componentAppId: string,
    ticket: { ticket: Sensitive; createTime: number; now: number },
  ): Promise<'stored' | 'stale'> {
    return (await this.table.apply(saveTicket(componentAppId, ticket))) ? 'stored' : 'stale';
  }

  /** Writes a token-state change onto the version it was decided from (see AuthorizerStore.write). */
  async write(record: ComponentRecord, change: TokenStateChange): Promise<ComponentRecord | undefined> {
    const item = await this.table.apply(tokenChange(record, change));
    return item ? COMPONENT_RECORD.decode(item) : undefined;
  }
}
