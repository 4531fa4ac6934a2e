import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RefreshEventError } from '../../functions/refresh/event.js';
import { createRefresh } from '../../functions/refresh/refresh.js';
import { createTable, type LocalDynamo, startDynalite } from '../../infra/local/dynamo.js';
import { sensitive } from '../../shared/sensitive.js';
import { SIMULATOR_CREDENTIALS, WechatSimulator } from '../../simulator/index.js';
import { scheduledEvent } from '../fixtures/eventbridge.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

describe('createRefresh', () => {
  const backend = useDynalite();
  let bed: Testbed;
  beforeEach(async () => {
    bed = await startTestbed(backend());
    await bed.storeTicket();
  });
  afterEach(() => bed.close());

  it('a scheduled event renews every due authorizer and returns the summary', async () => {
    await bed.seedAuthorizers(12);
    const refresh = createRefresh(() => bed.service);
    bed.clock.advance(7 * 60_000);
    const response = await refresh(scheduledEvent);
    // Every scheduled run reports the ticket's age (the TicketStale alarm watches it).
    const [age = 0] = bed.metrics.durations.get('TicketAge') ?? [];
    expect(age).toBeGreaterThanOrEqual(7 * 60_000);
    expect(age).toBeLessThan(7 * 60_000 + 1_000); // CreateTime is in whole seconds
    expect(response).toMatchObject({ mode: 'scheduled', summary: { due: 12, renewed: 12, stoppedForQuota: false } });
    expect(await refresh(scheduledEvent)).toMatchObject({ summary: { due: 0, renewed: 0 } });
  });

  it('an on-demand event renews one appid and answers without the token', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const refresh = createRefresh(() => bed.service);
    const response = await refresh({ appid: appId });
    expect(response).toMatchObject({ mode: 'on_demand', appid: appId, outcome: 'renewed' });
    const stored = await bed.authorizers.get(appId);
    // Until when the token is guaranteed (our own renewal plus WeChat's grace, less a minute), not WeChat's expiry.
    expect(response).toHaveProperty('expires_at', new Date((stored?.refreshAt ?? 0) + 4 * 60_000).toISOString());
    expect(JSON.stringify(response)).not.toContain(stored?.accessToken?.token.reveal());
    expect(await refresh({ appid: appId })).toMatchObject({ outcome: 'current' });
    expect(await refresh({ appid: appId, min_valid_seconds: 240 })).toMatchObject({ outcome: 'current' });
    // Asking for more than the trust window would renew before our own schedule and kill tokens callers hold.
    await expect(refresh({ appid: appId, min_valid_seconds: 7_200 })).rejects.toBeInstanceOf(RefreshEventError);
    expect(await refresh({ appid: 'wxunknown' })).toMatchObject({ outcome: 'not_found' });
  });

  it('refuses an event it does not understand, with a message that says what it expects', async () => {
    const refresh = createRefresh(() => bed.service);
    for (const event of [
      {},
      null,
      'refresh',
      { appid: 'bad appid!' },
      { appid: 'wx1', min_valid_seconds: 99_999 },
      { source: 'aws.s3' },
    ]) {
      await expect(refresh(event)).rejects.toBeInstanceOf(RefreshEventError);
    }
    await expect(refresh({})).rejects.toThrow(/Scheduled Event.*appid/);
  });
});

describe('the Lambda entry, configured from its environment', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  let backend: LocalDynamo;
  let simulator: WechatSimulator;
  const secretValue = {
    componentAppId: SIMULATOR_CREDENTIALS.componentAppId,
    componentAppSecret: SIMULATOR_CREDENTIALS.componentAppSecret,
    messageToken: SIMULATOR_CREDENTIALS.messageToken,
    encodingAesKey: SIMULATOR_CREDENTIALS.encodingAesKey,
  };

  beforeAll(async () => {
    backend = await startDynalite();
    simulator = await WechatSimulator.start({ authorizers: 5 });
    await createTable(backend.endpoint, 'lambda-tokens');
    vi.stubEnv('COMPONENT_APPID', SIMULATOR_CREDENTIALS.componentAppId);
    vi.stubEnv('TABLE_NAME', 'lambda-tokens');
    vi.stubEnv('COMPONENT_SECRET_ARN', 'arn:aws:secretsmanager:ap-east-1:123456789012:secret:component-AbCdEf');
    vi.stubEnv('WECHAT_API_BASE', simulator.url);
    vi.stubEnv('DYNAMODB_ENDPOINT', backend.endpoint);
    vi.stubEnv('AWS_REGION', 'local');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(secretValue) });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    secretsManager.restore();
    await simulator.close();
    await backend.close();
  });

  it('renews what is due, reads the secret once per container, and logs no secret, ticket or token', async () => {
    const { wireTokenService } = await import('../../shared/service.js');
    const { configFromEnv } = await import('../../shared/config/index.js');
    const { createDocumentClient } = await import('../../shared/store/index.js');
    const { staticSecretReader, parseComponentSecret } = await import('../../shared/secrets.js');
    // Seed as the sync and the callback would, through the same table.
    const seeder = wireTokenService({
      config: configFromEnv(),
      doc: createDocumentClient({
        endpoint: backend.endpoint,
        region: 'local',
        credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
      }),
      secret: staticSecretReader(parseComponentSecret(secretValue)),
      clock: simulator.clock,
    });
    const ticket = simulator.world.issueTicket();
    await seeder.component.saveTicket(SIMULATOR_CREDENTIALS.componentAppId, {
      ticket: sensitive(ticket),
      createTime: Math.floor(Date.now() / 1000),
      now: Date.now(),
    });
    for (const record of simulator.world.population.listing()) {
      await seeder.authorizers.create({
        appId: record.appId,
        refreshToken: sensitive(record.refreshToken),
        authTime: record.authTime,
        now: Date.now(),
      });
    }

    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const { handler } = await import('../../functions/refresh/handler.js');
      const first = await handler(scheduledEvent);
      const second = await handler({ appid: simulator.world.population.listing()[0]?.appId });
      expect(first).toMatchObject({ mode: 'scheduled', summary: { due: 5, renewed: 5 } });
      expect(second).toMatchObject({ mode: 'on_demand', outcome: 'current' });
    } finally {
      spy.mockRestore();
    }
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    const output = written.join('');
    expect(output).toContain('scheduled refresh finished');
    expect(output).toContain('AuthorizerTokenRenewed');
    const accessTokens = await Promise.all(
      simulator.world.population
        .listing()
        .map(async (r) => (await seeder.authorizers.get(r.appId))?.accessToken?.token.reveal() ?? 'missing'),
    );
    expect(accessTokens).not.toContain('missing');
    const componentToken =
      (await seeder.component.get(SIMULATOR_CREDENTIALS.componentAppId))?.accessToken?.token.reveal() ?? 'missing';
    for (const secret of [
      SIMULATOR_CREDENTIALS.componentAppSecret,
      ticket,
      componentToken,
      ...accessTokens,
      ...simulator.world.population.listing().map((r) => r.refreshToken),
    ]) {
      expect(output).not.toContain(secret);
    }
  });
});
