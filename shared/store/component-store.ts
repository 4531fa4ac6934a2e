import * as z from 'zod/mini';
import { sensitive, type Sensitive } from '../sensitive';
import { StoreCorruptionError } from './errors';
import { COMMIT_REMOVES, distrustSince, HELD_BY_OWNER, LEASE_ATTRIBUTES, leaseOf, leaseUpdate, releaseLease, renewalCondition, renewingSinceOf, type Lease, type RenewalReason } from './lease';
import { componentKey } from './schema';
import type { Item, Table } from './table';

export interface StoredTicket {
  readonly ticket: Sensitive;
  /** WeChat's CreateTime of the push, unix seconds. */
  readonly createTime: number;
  /** When we stored it, epoch ms. */
  readonly receivedAt: number;
}

export interface ComponentRecord {
  readonly componentAppId: string;
  readonly ticket?: StoredTicket | undefined;
  readonly accessToken?: { readonly token: Sensitive; readonly expiresAt: number } | undefined;
  readonly lease?: Lease | undefined;
  /** A renewal began then and has not committed (see TRUST_WINDOW_MS). */
  readonly renewingSince?: number | undefined;
  readonly version: number;
}

const itemSchema = z.object({
  componentAppId: z.string(),
  ticket: z.optional(z.string()),
  ticketCreateTime: z.optional(z.number()),
  ticketReceivedAt: z.optional(z.number()),
  accessToken: z.optional(z.string()),
  accessTokenExpiresAt: z.optional(z.number()),
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
      },
      {
        expression: '(attribute_not_exists(#ticketCreateTime) OR #ticketCreateTime < :createTime)',
        values: { ':createTime': ticket.createTime },
      },
    );
    return item ? 'stored' : 'stale';
  }

  async acquireRenewal(
    componentAppId: string,
    request: { owner: string; now: number; leaseMs: number; reason: RenewalReason },
  ): Promise<ComponentRecord | undefined> {
    const item = await this.table.update(
      componentKey(componentAppId),
      leaseUpdate(request.owner, request.now, request.leaseMs),
      renewalCondition(request.reason, request.now),
    );
    return item ? decode(item) : undefined;
  }

  /** Stores a new component token and clears the lease, if the caller still holds it. */
  async commitRenewal(
    componentAppId: string,
    owner: string,
    token: { token: Sensitive; expiresAt: number },
    options: { keepDistrust?: boolean } = {},
  ): Promise<boolean> {
    const item = await this.table.update(
      componentKey(componentAppId),
      {
        set: { accessToken: token.token.reveal(), accessTokenExpiresAt: token.expiresAt },
        increment: ['version'],
        // See AuthorizerStore.commitRenewal's keepDistrust.
        remove: options.keepDistrust ? LEASE_ATTRIBUTES : COMMIT_REMOVES,
      },
      { expression: HELD_BY_OWNER, values: { ':owner': owner } },
    );
    return item !== undefined;
  }

  /** As AuthorizerStore.releaseRenewal: `uncertain` leaves the lease expired, so the next reader renews. */
  async releaseRenewal(componentAppId: string, lease: { owner: string; acquiredAt: number }, options: { now: number; uncertain: boolean }): Promise<boolean> {
    return releaseLease(this.table, componentKey(componentAppId), lease, options);
  }

  /** See `distrustSince`. */
  async distrustAfterLostLease(componentAppId: string, sentAt: number): Promise<void> {
    await distrustSince(this.table, componentKey(componentAppId), sentAt);
  }
}

function decode(item: Item): ComponentRecord {
  const parsed = itemSchema.safeParse(item);
  if (!parsed.success) throw new StoreCorruptionError('component', parsed.error.issues.map((issue) => issue.path.join('.')));
  const data = parsed.data;
  return {
    componentAppId: data.componentAppId,
    ticket:
      data.ticket !== undefined && data.ticketCreateTime !== undefined && data.ticketReceivedAt !== undefined
        ? { ticket: sensitive(data.ticket), createTime: data.ticketCreateTime, receivedAt: data.ticketReceivedAt }
        : undefined,
    accessToken:
      data.accessToken !== undefined && data.accessTokenExpiresAt !== undefined
        ? { token: sensitive(data.accessToken), expiresAt: data.accessTokenExpiresAt }
        : undefined,
    lease: leaseOf(item),
    renewingSince: renewingSinceOf(item),
    version: data.version ?? 0,
  };
}
