import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach } from 'vitest';
import { authorizerKey, RECOVERY_SHARD } from '../../shared/store/index.js';
import { type SyncSummary, syncAuthorizers } from '../../shared/sync/index.js';
import { type BackendKind, useBackend } from '../support/dynamo-backends.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

// The sync's safety suites (sync-safety.test.ts, sync-recovery.test.ts) on a testbed of the backend
// they run on: one sync run as the scheduled refresh starts it, what the store then holds, WeChat's
// listing with accounts left out, and the renewer's writes made directly, as a run that died left them.

export const MINUTE = 60_000;

/** A testbed on a backend of `kind` for the describe block it is called in, closed after each test. */
export function syncBedOn(kind: BackendKind) {
  const backend = useBackend(kind);
  let bed: Testbed;
  afterEach(() => bed.close());

  /** A testbed with `authorizers` accounts in WeChat's world and the component's ticket stored. */
  async function start(authorizers: number): Promise<Testbed> {
    bed = await startTestbed(backend(), { simulator: { authorizers } });
    await bed.storeTicket();
    return bed;
  }
  const run = (): Promise<SyncSummary> => {
    bed.clock.advance(1_000); // what WeChat lists now was fetched after anything stored before
    return syncAuthorizers({
      componentAppId: bed.config.componentAppId,
      syncStore: bed.syncStore,
      authorizers: bed.authorizers,
      client: bed.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
      logger: bed.logger,
      metrics: bed.metrics,
    });
  };
  const statuses = async (appIds: readonly string[]) =>
    Promise.all(appIds.map(async (appId) => (await bed.authorizers.get(appId))?.status));
  const dueNow = async (): Promise<string[]> => {
    const due: string[] = [];
    for await (const appId of bed.authorizers.dueAppIds(bed.clock.now())) due.push(appId);
    return due;
  };
  /** WeChat's listing leaves these accounts out (and counts them out) while `hidden` holds them. */
  function hideFromListing(hidden: Set<string>): void {
    const original = bed.simulator.world.authorizerList.bind(bed.simulator.world);
    bed.simulator.world.authorizerList = (token, body) => {
      const answer = original(token, body);
      const list = answer['list'];
      if (!Array.isArray(list)) return answer;
      const kept = list.filter((entry: { authorizer_appid: string }) => !hidden.has(entry.authorizer_appid));
      return { ...answer, total_count: Number(answer['total_count']) - (list.length - kept.length), list: kept };
    };
  }

  /** The account as a 61023 mark leaves it (in the recovery partition), written directly. */
  async function markedInvalid(appId: string, at: number): Promise<void> {
    await bed.doc.send(
      new UpdateCommand({
        TableName: bed.tableName,
        Key: authorizerKey(appId),
        UpdateExpression:
          'SET #status = :refused, statusChangedAt = :at, dueShard = :recovery, refreshAt = :at ADD version :one',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':refused': 'refresh_token_invalid',
          ':at': at,
          ':recovery': RECOVERY_SHARD,
          ':one': 1,
        },
      }),
    );
  }

  /** A refresh token written by a renewal's commit (or its lost-lease path), written directly. */
  async function storedRefreshToken(appId: string, refreshToken: string, at: number): Promise<void> {
    await bed.doc.send(
      new UpdateCommand({
        TableName: bed.tableName,
        Key: authorizerKey(appId),
        UpdateExpression: 'SET refreshToken = :token, refreshTokenChangedAt = :at ADD version :one',
        ExpressionAttributeValues: { ':token': refreshToken, ':at': at, ':one': 1 },
      }),
    );
  }

  return { start, run, statuses, dueNow, hideFromListing, markedInvalid, storedRefreshToken };
}
