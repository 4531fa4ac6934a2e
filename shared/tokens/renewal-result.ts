import type { Sensitive } from '../sensitive.js';
import type { AuthorizerStatus } from '../store/index.js';
import type { RenewalFailure } from './renewal-failure.js';
import type { CommitOutcome } from './renewal-protocol.js';

export type { RenewalFailure };

/** A token as handed out: WeChat's expiry, and the earlier time until which it is guaranteed to work. */
export interface ServedToken {
  readonly token: Sensitive;
  readonly expiresAt: number;
  readonly guaranteedUntil: number;
}

export type RenewalResult =
  | { readonly kind: 'renewed'; readonly token: ServedToken; readonly commit: CommitOutcome }
  /** Nothing to do: the stored token already satisfies the request (someone else renewed it, or WeChat still accepts it). */
  | { readonly kind: 'current'; readonly token: ServedToken }
  /** Another instance holds the lease (and the caller chose not to wait, or it did not finish in time). */
  | { readonly kind: 'busy' }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'inactive'; readonly status: Exclude<AuthorizerStatus, 'active'> }
  | { readonly kind: 'failed'; readonly failure: RenewalFailure; readonly error: Error };
