import * as z from 'zod/mini';
import type { Sensitive } from '../sensitive';
import { sensitive } from '../sensitive';
import { StoreCorruptionError } from './errors';
import { componentKey } from './schema';
import type { Item, Table } from './table';
import { atVersion, decodeTokenState, encodeTokenChange, type TokenState, type TokenStateChange } from './token-state';

export interface StoredTicket {
  readonly ticket: Sensitive;
  /** WeChat's CreateTime of the push, unix seconds. */
  readonly createTime: number;
  /** When we stored it, epoch ms. */
  readonly receivedAt: number;
}

export interface ComponentRecord extends TokenState {
  readonly componentAppId: string;
  readonly ticket?: StoredTicket | undefined;
}

const itemSchema = z.object({
  componentAppId: z.string(),
  ticket: z.optional(z.string()),
  ticketCreateTime: z.optional(z.number()),
  ticketReceivedAt: z.optional(z.number()),
  accessToken: z.optional(z.string()),
  accessTokenExpiresAt: z.optional(z.number()),
  accessTokenIssuedAt: z.optional(z.number()),
  version: z.optional(z.number()),
});

/** The component item, one per component AppId: the latest ticket, the component token, its lease. */
export class ComponentStore {
  constructor(private readonly table: Table) {}

  async get(componentAppId: string, options: { consistent?: boolean } = {}): Promise<ComponentRecord | undefined> {
    const item = await this.table.get(componentKey(componentAppId), options.consistent ?? true);
    return item ? decode(item) : undefined;
  }

  /**
   * Keeps the ticket unless an equal or newer one (by WeChat's CreateTime) is stored: pushes are retried
   * and can arrive out of order. Creates the component item on the first ticket.
   */
  async saveTicket(componentAppId: string, ticket: { ticket: Sensitive; createTime: number; now: number }): Promise<'stored' | 'stale'> {
    const item = await this.table.update(
      componentKey(componentAppId),
      {
        set: { componentAppId, ticket: ticket.ticket.reveal(), ticketCreateTime: ticket.createTime, ticketReceivedAt: ticket.now },
        increment: ['version'],
      },
      {
        expression: '(attribute_not_exists(#ticketCreateTime) OR #ticketCreateTime < :createTime)',
        values: { ':createTime': ticket.createTime },
      },
    );
    return item ? 'stored' : 'stale';
  }

  /** Writes a token-state change onto the version it was decided from (see AuthorizerStore.write). */
  async write(record: ComponentRecord, change: TokenStateChange): Promise<ComponentRecord | undefined> {
    const item = await this.table.update(componentKey(record.componentAppId), encodeTokenChange(change), atVersion(record.version));
    return item ? decode(item) : undefined;
  }
}

function decode(item: Item): ComponentRecord {
  const parsed = itemSchema.safeParse(item);
  if (!parsed.success) throw new StoreCorruptionError('component', parsed.error.issues.map((issue) => issue.path.join('.')));
  const data = parsed.data;
  return {
    ...decodeTokenState(item),
    componentAppId: data.componentAppId,
    ticket:
      data.ticket !== undefined && data.ticketCreateTime !== undefined && data.ticketReceivedAt !== undefined
        ? { ticket: sensitive(data.ticket), createTime: data.ticketCreateTime, receivedAt: data.ticketReceivedAt }
        : undefined,
  };
}
