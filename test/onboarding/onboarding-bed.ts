import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalDynamo } from '../../infra/local/dynamo.js';
import { localSecret, localServiceConfig } from '../../infra/local/local-config.js';
import { OnboardingService } from '../../shared/onboarding-service.js';
import type { ReceivedPush } from '../../shared/push/index.js';
import { PushService } from '../../shared/push-service.js';
import { sensitive } from '../../shared/sensitive.js';
import { type TokenServiceParts, wireTokenService } from '../../shared/service.js';
import { OnboardingStore } from '../../shared/store/onboarding-store.js';
import { SIMULATOR_CREDENTIALS, WechatSimulator } from '../../simulator/index.js';
import { freshTable } from '../support/dynamo-backends.js';
import { independentPush } from '../support/independent-wxcrypt.js';
import { recordingLogger } from '../support/recording-logger.js';
import { recordingMetrics } from '../support/testbed.js';

export const HUB = 'https://hub.example.com';
export const RETURN_URL = 'https://platform.example.com/onboarded';

/**
 * The onboarding on a fresh table and a WeChat simulator sharing one frozen clock: the service, the push
 * service over the same parts (its `authorized` push completes sessions), and the session store to look.
 * `settle` is the service's wait between re-reads: the test decides what happens meanwhile.
 */
export interface OnboardingBed {
  readonly parts: TokenServiceParts;
  readonly onboarding: OnboardingService;
  readonly pushes: PushService;
  readonly sessions: OnboardingStore;
  readonly simulator: WechatSimulator;
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly logger: ReturnType<typeof recordingLogger>;
  /** Called at each of the service's waits; by default it does nothing (the re-reads run at once). */
  onSettle: () => Promise<void>;
  /** WeChat's `authorized` (or `updateauthorized`) push, sealed as WeChat seals it. */
  authorizedPush(push: {
    appId: string;
    authorizationCode: string;
    preAuthCode?: string | undefined;
    infoType?: 'authorized' | 'updateauthorized';
  }): ReceivedPush;
  close(): Promise<void>;
}

export async function startOnboardingBed(backend: LocalDynamo): Promise<OnboardingBed> {
  const simulator = await WechatSimulator.start({ authorizers: 0 });
  const { tableName, doc } = await freshTable(backend);
  const logger = recordingLogger();
  const parts = wireTokenService({
    config: localServiceConfig({
      tableName,
      wechatApiBase: simulator.url,
      leaseMs: 60_000,
      onboardingBaseUrl: HUB,
      onboardingReturnUrls: [RETURN_URL],
      wechatPcAuthorizeBase: simulator.url,
      wechatH5AuthorizeBase: simulator.url,
    }),
    doc,
    secret: localSecret(),
    clock: simulator.clock,
    logger,
    metrics: recordingMetrics(),
    wechat: { timeoutMs: 2_000, retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20, totalBudgetMs: 5_000 } },
  });
  const ticket = simulator.world.issueTicket();
  await parts.component.saveTicket(SIMULATOR_CREDENTIALS.componentAppId, {
    ticket: sensitive(ticket),
    createTime: Math.floor(simulator.clock.now() / 1000),
    now: simulator.clock.now(),
  });
  const bed: OnboardingBed = {
    parts,
    onboarding: new OnboardingService(parts, { sleep: () => bed.onSettle() }),
    pushes: new PushService(parts),
    sessions: new OnboardingStore(parts.table),
    simulator,
    doc,
    tableName,
    logger,
    onSettle: async () => undefined,
    authorizedPush({ appId, authorizationCode, preAuthCode, infoType = 'authorized' }) {
      const now = Math.floor(simulator.clock.now() / 1000);
      const fields: Record<string, string | number> = {
        AppId: SIMULATOR_CREDENTIALS.componentAppId,
        CreateTime: now,
        InfoType: infoType,
        AuthorizerAppid: appId,
        AuthorizationCode: authorizationCode,
        AuthorizationCodeExpiredTime: now + 3600,
        ...(preAuthCode === undefined ? {} : { PreAuthCode: preAuthCode }),
      };
      const xml = `<xml>${Object.entries(fields)
        .map(([name, value]) =>
          typeof value === 'number' ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value}]]></${name}>`,
        )
        .join('')}</xml>`;
      const sealed = independentPush(
        {
          token: SIMULATOR_CREDENTIALS.messageToken,
          encodingAesKey: SIMULATOR_CREDENTIALS.encodingAesKey,
          appId: SIMULATOR_CREDENTIALS.componentAppId,
        },
        xml,
        { timestamp: String(now), nonce: String(Math.floor(Math.random() * 1e9)) },
      );
      return {
        msgSignature: sealed.query['msg_signature'] ?? '',
        timestamp: sealed.query['timestamp'] ?? '',
        nonce: sealed.query['nonce'] ?? '',
        encryptType: 'aes',
        body: sealed.body,
      };
    },
    async close() {
      doc.destroy();
      await simulator.close();
    },
  };
  return bed;
}

/** The pre-auth code a WeChat link carries. */
export function preAuthCodeOf(link: string): string {
  const code = new URL(link).searchParams.get('pre_auth_code');
  if (!code) throw new Error('the link has no pre_auth_code');
  return code;
}
