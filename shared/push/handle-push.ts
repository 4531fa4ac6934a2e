import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { ComponentSecret, ComponentSecretReader } from '../secrets.js';
import type { AuthorizerStore, ComponentStore } from '../store/index.js';
import { type AuthorizationDeps, exchangeAuthorization } from '../tokens/authorization.js';
import { type CryptoFailure, WechatCryptoError } from './errors.js';
import { MessageCrypto } from './message-crypto.js';
import { type EncryptedPush, openPush } from './open-push.js';
import { type ComponentPush, readPush } from './read-push.js';

/** What became of a push. Only `handled` tells WeChat to stop delivering it. */
export type PushOutcome =
  /** Acted on, or acknowledged and ignored (a re-delivered push, a type the component has no use for). */
  | { readonly kind: 'handled' }
  /** Not opened: unsigned, not decryptable, not WeChat's format, or the component's keys are unusable. */
  | { readonly kind: 'unopened'; readonly reason: CryptoFailure }
  /** Opened, but its `<AppId>` names another component: a forgery or a mix-up. */
  | { readonly kind: 'other_component' }
  /** Opened, but a field its type needs is missing or malformed. */
  | { readonly kind: 'malformed'; readonly problem: string }
  /** The authorization code belongs to another account than the push names. */
  | { readonly kind: 'wrong_account' };

export interface PushHandlingDeps {
  /** The component's credentials: its message keys open the pushes. */
  readonly secret: ComponentSecretReader;
  readonly componentAppId: string;
  readonly component: ComponentStore;
  readonly authorizers: AuthorizerStore;
  readonly exchange: Omit<AuthorizationDeps, 'store'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * WeChat's pushes to the component (tickets, authorizations, revocations). Every push is verified,
 * decrypted and checked before anything changes; tickets are kept unless a newer one is stored,
 * authorizations are exchanged and stored at once, revocations marked. Handling is idempotent: WeChat
 * re-delivers pushes. A failure to act (DynamoDB, WeChat) is thrown: the push is to be delivered again.
 */
export function pushHandler(deps: PushHandlingDeps): (push: EncryptedPush) => Promise<PushOutcome> {
  const cryptoFor = cryptoPerSecret(deps.secret);
  return async (push) => {
    let crypto: MessageCrypto;
    let opened: ReturnType<typeof openPush>;
    try {
      crypto = await cryptoFor();
      opened = openPush(crypto, push);
    } catch (error) {
      if (!(error instanceof WechatCryptoError)) throw error;
      deps.logger.warn('push refused', { reason: error.reason });
      return { kind: 'unopened', reason: error.reason };
    }
    // The ciphertext already ended with our AppId; a differing <AppId> field is a forgery or a mix-up.
    const appId = opened.fields['AppId'];
    if (appId !== undefined && appId !== crypto.appId) return { kind: 'other_component' };
    const read = readPush(opened.fields);
    return 'problem' in read ? { kind: 'malformed', problem: read.problem } : act(deps, read);
  };
}

async function act(deps: PushHandlingDeps, push: ComponentPush): Promise<PushOutcome> {
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
      if (outcome.kind === 'wrong_account') return { kind: 'wrong_account' };
      if (outcome.kind === 'code_spent')
        logger.info('authorization code already exchanged or expired: a re-delivered push', {
          appId,
          infoType,
          errcode: outcome.errcode,
        });
      else logger.info('authorization stored', { appId, infoType, stored: outcome.kind === 'stored' });
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
