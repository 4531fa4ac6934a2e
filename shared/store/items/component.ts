import * as z from 'zod/mini';
import { type Sensitive, sensitive } from '../../sensitive.js';
import { MAX_WECHAT_CLOCK_SKEW_MS } from '../../wechat-time.js';
import type { Key, Write } from '../table.js';
import {
  atVersion,
  decodeTokenState,
  encodeTokenChange,
  ISSUED_TOKEN_FIELDS,
  type TokenState,
  type TokenStateChange,
  tokenDistrust,
} from '../token-state.js';
import { itemKeys } from './keys.js';
import { projection } from './projection.js';

/**
 * The component item, one per component AppId: the latest ticket, the component token and its lease.
 * The one place its shape and its writes are written.
 */

const KEYS = itemKeys('COMPONENT#');

export const componentKey: (componentAppId: string) => Key = KEYS.key;

/** The component AppId a component item's key names; `undefined` for the key of another item type. */
export const componentAppIdOfKey: (pk: string) => string | undefined = KEYS.idOf;

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

/** The whole item (its version optional: items written before items carried one have none). */
export const COMPONENT_RECORD = projection(
  z.object({
    componentAppId: z.string(),
    ticket: z.optional(z.string()),
    ticketCreateTime: z.optional(z.number()),
    ticketReceivedAt: z.optional(z.number()),
    ...ISSUED_TOKEN_FIELDS,
    version: z.optional(z.number()),
  }),
  'component',
  (data, item): ComponentRecord => ({
    ...decodeTokenState(item),
    componentAppId: data.componentAppId,
    ticket:
      data.ticket !== undefined && data.ticketCreateTime !== undefined && data.ticketReceivedAt !== undefined
        ? { ticket: sensitive(data.ticket), createTime: data.ticketCreateTime, receivedAt: data.ticketReceivedAt }
        : undefined,
  }),
);

/**
 * A pushed ticket, kept unless an equal or newer one (by WeChat's CreateTime) is stored: pushes are
 * retried and can arrive out of order. Creates the item on the first ticket. A stored ticket whose
 * CreateTime lies further ahead of `now` than any clock skew allows cannot have been admitted by an
 * instance with this clock (a forged one, or one stored before the callback bounded CreateTime): it is
 * replaced too, or else it would make every genuine ticket "older" and refused for as long as it stays.
 * (A genuine ticket stamped at the very edge of the skew by a fast WeChat clock, stored by an instance
 * whose clock is ahead of this one, can be replaced by an older genuine ticket: both are valid for hours,
 * and the next push is kept.)
 */
export function saveTicket(
  componentAppId: string,
  ticket: { ticket: Sensitive; createTime: number; now: number },
): Write {
  return {
    key: componentKey(componentAppId),
    update: {
      set: {
        componentAppId,
        ticket: ticket.ticket.reveal(),
        ticketCreateTime: ticket.createTime,
        ticketReceivedAt: ticket.now,
      },
      increment: ['version'],
    },
    condition: {
      expression:
        '(attribute_not_exists(#ticketCreateTime) OR #ticketCreateTime < :createTime OR #ticketCreateTime > :latestBelievable)',
      // Whole seconds: a CreateTime above this one is more than the skew ahead of now (isNearNow's bound).
      values: {
        ':createTime': ticket.createTime,
        ':latestBelievable': Math.floor((ticket.now + MAX_WECHAT_CLOCK_SKEW_MS) / 1000),
      },
    },
  };
}

/**
 * How old a stored ticket is at `now`, in ms: since WeChat created it or since we stored it, whichever
 * is longer, and never negative. `receivedAt` is our own clock's, so a CreateTime from the future (a
 * forged push, or one stored before the callback bounded CreateTime) cannot make a ticket young: it ages
 * from the moment it was stored, and the ticket alarm fires when no genuine ticket replaces it, as it
 * does when WeChat's pushes stop.
 */
export function ticketAgeMs(ticket: StoredTicket, now: number): number {
  return Math.max(0, now - Math.min(ticket.createTime * 1000, ticket.receivedAt));
}

/** A change the renewal decided, onto the version of the item it was decided from. */
export function tokenChange(record: ComponentRecord, change: TokenStateChange): Write {
  return {
    key: componentKey(record.componentAppId),
    update: encodeTokenChange(change),
    condition: atVersion(record.version),
  };
}

/** The stored component token dropped if it is still `token` (the local runtime's check at start). */
export function distrustToken(componentAppId: string, token: string): Write {
  return { key: componentKey(componentAppId), ...tokenDistrust(token) };
}
