import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { codeHash } from '../onboarding/codes.js';
import type { ComponentSecret, ComponentSecretReader } from '../secrets.js';
import type { Sensitive } from '../sensitive.js';
import type { AuthorizerStore, ComponentStore, PushReceipts } from '../store/index.js';
import { type AuthorizationDeps, exchangeAuthorization } from '../tokens/authorization.js';
import { MAX_WECHAT_CLOCK_SKEW_MS } from '../wechat-time.js';
import { admitPush, type ReceivedPush, type Refusal, type RefusalReason, refusal, screenPush } from './admit-push.js';
import { WechatCryptoError } from './errors.js';
import { MessageCrypto } from './message-crypto.js';
import type { ComponentPush } from './read-push.js';

/** The onboarding's part in an authorization push (shared/onboarding/complete.ts, `completeByPush`). */
export interface PushOnboarding {
  completeByPush(push: { preAuthCode: Sensitive; appId: string; authCodeHash: string }): Promise<string>;
}

/** What became of a push. Only `handled` tells WeChat to stop delivering it. */
export type PushOutcome =
  /** Acted on, or acknowledged and ignored (a push already handled, a type the component has no use for). */
  | { readonly kind: 'handled' }
  /** Not acted on, for `reason` (logged and counted; the callback answers every refusal alike). */
  | { readonly kind: 'refused'; readonly reason: RefusalReason };

/**
 * How long a handled push is remembered. A push is admitted only while its signed `timestamp` and its
 * `CreateTime` are within the skew of now, so a push handled at t can be replayed until t + 2 × skew at
 * the latest; a minute more for the clocks of two Lambda instances.
 */
export const PUSH_RECEIPT_LIFETIME_MS = 2 * MAX_WECHAT_CLOCK_SKEW_MS + 60_000;

export interface PushHandlingDeps {
  /** The component's credentials: its message keys open the pushes. */
  readonly secret: ComponentSecretReader;
  readonly componentAppId: string;
  readonly component: ComponentStore;
  readonly authorizers: AuthorizerStore;
  /** The pushes handled lately: a replay, or a delivery once more, is not acted on again. */
  readonly receipts: PushReceipts;
  readonly exchange: Omit<AuthorizationDeps, 'store'>;
  /**
   * Completes the onboarding session that minted an authorization push's `PreAuthCode` (after the
   * exchange); none: no session is completed (the push is handled as before).
   */
  readonly onboarding?: PushOnboarding | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * WeChat's pushes to the component (tickets, authorizations, revocations). Every push is screened,
 * verified, decrypted and checked before anything changes (see admit-push.ts); a push handled lately is
 * acknowledged and not acted on again; tickets are kept unless a newer one is stored, authorizations are
 * exchanged and stored at once, revocations marked. A failure to act (DynamoDB, WeChat, the secret) is
 * thrown, never a refusal: the push is to be delivered again.
 *
 * Replays are remembered with a conditional write of our own (items/push-receipt.ts), not Powertools
 * Idempotency: that records a push as in progress before acting and deletes the record after a failure
 * (DeleteItem, and an in-progress lock a crashed instance leaves until it expires), reads the existing
 * record through ReturnValuesOnConditionCheckFailure (which dynalite lacks), and adds a package to the
 * callback's bundle. Here a push is remembered only once it was acted on, so no failure can leave it
 * remembered but not done; a delivery concurrent with the first acts twice, which every action allows.
 */
export function pushHandler(deps: PushHandlingDeps): (push: ReceivedPush) => Promise<PushOutcome> {
  const cryptoFor = cryptoPerSecret(deps.secret);
  return async (received) => {
    const now = deps.clock.now();
    const screened = screenPush(received, now);
    if (screened) return refused(deps, screened);
    let crypto: MessageCrypto;
    try {
      crypto = await cryptoFor();
    } catch (error) {
      // Keys the secret holds but that cannot be used (invalid_key): refused; reading the secret failed: thrown.
      if (!(error instanceof WechatCryptoError)) throw error;
      return refused(deps, refusal(error.reason));
    }
    const admitted = admitPush(crypto, received, now);
    if ('reason' in admitted) return refused(deps, admitted);
    if (await deps.receipts.handled(admitted.receiptId, now)) {
      deps.logger.info('push already handled: acknowledged, not acted on again', {
        infoType: admitted.push.infoType,
      });
      deps.metrics.count('PushRepeated');
      return { kind: 'handled' };
    }
    const outcome = await act(deps, admitted.push);
    if (outcome.kind === 'refused') return refused(deps, refusal(outcome.reason));
    await deps.receipts.remember(admitted.receiptId, deps.clock.now(), now + PUSH_RECEIPT_LIFETIME_MS);
    return outcome;
  };
}

/** A refusal logged (its reason, never the push) and counted; one after a valid signature raises an alarm. */
function refused(deps: PushHandlingDeps, why: Refusal): PushOutcome {
  const { reason, problem, error } = why;
  deps.metrics.count('PushRefused');
  if (why.undecryptable) {
    deps.metrics.count('PushUndecryptable');
    deps.logger.error(
      "push refused: signed with the message Token but not decryptable with the EncodingAESKey (check the key in the secret against WeChat's)",
      { reason },
    );
  } else if (reason === 'unreadable') deps.logger.error('push refused: reading it failed', { reason, error });
  else deps.logger.warn('push refused', { reason, ...(problem === undefined ? {} : { problem }) });
  return { kind: 'refused', reason };
}

/** What a push asks, done; a code for another account is refused (the caller logs it). */
async function act(
  deps: PushHandlingDeps,
  push: ComponentPush,
): Promise<{ readonly kind: 'handled' } | { readonly kind: 'refused'; readonly reason: 'wrong_account' }> {
  const { logger } = deps;
  const now = deps.clock.now();
  switch (push.infoType) {
    case 'component_verify_ticket': {
      const stored = await deps.component.saveTicket(deps.componentAppId, {
        ticket: push.ticket,
        createTime: push.createTime,
        now,
      });
      logger.info('component_verify_ticket received', { stored: stored === 'stored', createTime: push.createTime });
      return { kind: 'handled' };
    }
    case 'authorized':
    case 'updateauthorized': {
      const { appId, infoType } = push;
      const outcome = await exchangeAuthorization(
        { store: deps.authorizers, ...deps.exchange },
        { appId, authorizationCode: push.authorizationCode, createTime: push.createTime },
      );
      if (outcome.kind === 'wrong_account') return { kind: 'refused', reason: 'wrong_account' };
      if (outcome.kind === 'code_spent')
        logger.info('authorization code already exchanged or expired: a re-delivered push', {
          appId,
          infoType,
          errcode: outcome.errcode,
        });
      else logger.info('authorization stored', { appId, infoType, stored: outcome.kind === 'stored' });
      // After the exchange, whatever it came to (a code the redirect spent first included): the push is
      // WeChat's signed word that this account authorized through this pre-auth code. A failure is thrown,
      // so that WeChat delivers the push again and the session is completed then.
      if (push.preAuthCode && deps.onboarding) {
        const session = await deps.onboarding.completeByPush({
          preAuthCode: push.preAuthCode,
          appId,
          authCodeHash: codeHash(push.authorizationCode),
        });
        logger.info('onboarding session of the push', { appId, infoType, session });
      }
      return { kind: 'handled' };
    }
    case 'unauthorized': {
      const revoked = await deps.authorizers.revokeByPush(push.appId, push.createTime, now);
      logger.info('authorization revoked', { appId: push.appId, revoked });
      return { kind: 'handled' };
    }
    case 'other':
      logger.info('push acknowledged and ignored', { infoType: push.named ?? '(none)' });
      return { kind: 'handled' };
  }
}

/** The message crypto of the current secret, derived again only when the secret changes (a key rotation). */
function cryptoPerSecret(secret: ComponentSecretReader): () => Promise<MessageCrypto> {
  let cached: { secret: ComponentSecret; crypto: MessageCrypto } | undefined;
  return async () => {
    const current = await secret();
    if (cached?.secret !== current) {
      cached = {
        secret: current,
        crypto: new MessageCrypto({
          appId: current.componentAppId,
          token: current.messageToken,
          encodingAesKey: current.encodingAesKey,
          previousEncodingAesKey: current.previousEncodingAesKey,
        }),
      };
    }
    return cached.crypto;
  };
}
