import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeHash } from '../../shared/onboarding/codes.js';
import { sensitive } from '../../shared/sensitive.js';
import { Table } from '../../shared/store/index.js';
import { COMPLETION_GRACE_MS, sessionTtlSeconds } from '../../shared/store/items/onboarding-session.js';
import { OnboardingStore } from '../../shared/store/onboarding-store.js';
import { conformanceBackends, freshTable, useBackend } from '../support/dynamo-backends.js';
import { tableDump } from '../support/push-attacker.js';

// The onboarding sessions and pre-auth code index (shared/store/onboarding-store.ts) on both backends:
// completion written once, the window read from the item (neither backend deletes by TTL when we look).

describe.each(conformanceBackends())('onboarding store, on %s', (kind) => {
  const backend = useBackend(kind);
  let doc: DynamoDBDocumentClient;
  let tableName: string;
  let store: OnboardingStore;
  beforeEach(async () => {
    ({ doc, tableName } = await freshTable(backend()));
    store = new OnboardingStore(new Table(doc, tableName));
  });
  afterEach(() => doc.destroy());

  const T = 1_800_000_000_000;
  const session = {
    sessionId: 'S'.repeat(43),
    via: 'page' as const,
    kind: 'pc' as const,
    authType: 3 as const,
    returnUrl: 'https://p.example/x',
    state: 'st',
    createdAt: T,
    expiresAt: T + 3_600_000,
  };
  const completion = (at: number, by: 'push' | 'redirect' = 'redirect', hash = 'h1') => ({
    completedAt: at,
    appId: 'wxapp',
    completedBy: by,
    authCodeHash: hash,
  });

  it('a session is created once, read back with revision 1 and a TTL past its completion window', async () => {
    expect(await store.create(session)).toBe(true);
    expect(await store.create(session)).toBe(false);
    expect(await store.get(session.sessionId)).toEqual({
      ...session,
      bizAppId: undefined,
      revision: 1,
      completion: undefined,
    });
    const [item] = JSON.parse(await tableDump(doc, tableName));
    expect(item).toMatchObject({ pk: `ONBOARDING#${session.sessionId}`, ttl: sessionTtlSeconds(session.expiresAt) });
    expect(item.ttl * 1000).toBeGreaterThan(session.expiresAt + COMPLETION_GRACE_MS);
  });

  it('completion is written once: the second (push after redirect) is not, and sees the first', async () => {
    await store.create(session);
    const first = await store.complete(session.sessionId, completion(T + 10));
    expect(first.kind).toBe('completed');
    expect(first.session?.revision).toBe(2);
    const second = await store.complete(session.sessionId, completion(T + 20, 'push', 'h2'));
    expect(second).toEqual({
      kind: 'not_written',
      session: expect.objectContaining({ revision: 2, completion: completion(T + 10) }),
    });
  });

  it('a session past its completion window, or none, is not completed', async () => {
    await store.create(session);
    const late = session.expiresAt + COMPLETION_GRACE_MS;
    expect(await store.complete(session.sessionId, completion(late))).toEqual({
      kind: 'not_written',
      session: expect.objectContaining({ completion: undefined, revision: 1 }),
    });
    expect((await store.complete(session.sessionId, completion(late - 1))).kind).toBe('completed');
    expect(await store.complete('N'.repeat(43), completion(T))).toEqual({ kind: 'not_written', session: undefined });
    expect(await store.get('N'.repeat(43))).toBeUndefined();
  });

  it('a pre-auth code is kept by its hash only, naming its session', async () => {
    await store.create(session);
    const code = sensitive('preauthcode@@@secret-value');
    await store.recordPreAuthCode(codeHash(code), session);
    expect(await store.sessionOfPreAuthCode(codeHash(code))).toBe(session.sessionId);
    expect(await store.sessionOfPreAuthCode(codeHash(sensitive('other')))).toBeUndefined();
    const dump = await tableDump(doc, tableName);
    expect(dump).not.toContain('secret-value');
    expect(dump).toContain(`PREAUTH#${codeHash(code)}`);
  });
});
