import { rename } from 'node:fs/promises';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '../../shared/logger.js';
import { type WechatSimulator, type WorldSnapshot, WorldSnapshotError } from '../../simulator/index.js';
import { readWorldSnapshot } from '../../simulator/state-file.js';
import { distrustStoredTokens } from './distrust.js';
import { LOCAL_CLIENT_CONFIG } from './dynamo.js';

// What the runtime does with a data folder at start: the simulator's saved state, and the stored tokens
// it cannot vouch for.

/** The saved simulator state, or why there is none to restore (never fatal: the runtime distrusts instead). */
export async function loadState(
  file: string,
  componentAppId: string,
): Promise<{ snapshot?: WorldSnapshot; problem?: string }> {
  try {
    const snapshot = await readWorldSnapshot(file, componentAppId);
    return snapshot ? { snapshot } : { problem: 'missing' };
  } catch (error) {
    if (!(error instanceof WorldSnapshotError)) throw error;
    // Kept for a look, out of the way of the new state.
    const aside = `${file}.unusable`;
    const moved = await rename(file, aside).then(
      () => true,
      () => false,
    );
    return { problem: `unusable (${error.message})${moved ? ` and was moved to ${aside}` : ''}` };
  }
}

/**
 * Makes the table agree with the simulator that starts: with no usable saved state, the new simulator
 * issued none of the stored tokens, so all are removed; with a restored state, those it does not know as
 * each account's latest working token are (a runtime killed between two saves stored tokens issued after
 * the last one). One line says what was done and why.
 */
export async function reconcileStoredTokens(
  doc: DynamoDBDocumentClient,
  simulator: WechatSimulator,
  context: {
    table: string;
    stateFile: string;
    restored: WorldSnapshot | undefined;
    problem: string | undefined;
    logger: Logger;
  },
): Promise<void> {
  const { world } = simulator;
  if (!context.restored) {
    const summary = await distrustStoredTokens(doc, context.table);
    context.logger.warn(
      `the WeChat simulator state ${context.stateFile} is ${context.problem ?? 'missing'}, so the new simulator cannot vouch for tokens stored before: ` +
        `${summary.authorizersDistrusted} authorizer and ${summary.componentsDistrusted} component access tokens removed as untrusted, active accounts due for renewal now ` +
        '(refresh tokens it does not know will meet 61023 and be recovered by the sync)',
    );
    return;
  }
  const summary = await distrustStoredTokens(doc, context.table, {
    vouchedFor: (stored) =>
      stored.kind === 'authorizer'
        ? world.isLatestAuthorizerToken(stored.appId, stored.token)
        : world.isLatestComponentToken(stored.token),
  });
  const distrusted = summary.authorizersDistrusted + summary.componentsDistrusted;
  if (distrusted > 0) {
    context.logger.warn(
      `the WeChat simulator state ${context.stateFile} is older than the table (the last run stopped without saving it?): ` +
        `${summary.authorizersDistrusted} authorizer and ${summary.componentsDistrusted} component access tokens it does not know removed as untrusted, their accounts due for renewal now`,
    );
  }
}

export async function tableExists(endpoint: string, table: string): Promise<boolean> {
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}
