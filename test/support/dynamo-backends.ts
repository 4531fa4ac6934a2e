import { spawnSync } from 'node:child_process';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import {
  createTable,
  LOCAL_CLIENT_CONFIG,
  type LocalDynamo,
  startDynalite,
  startDynamoDbLocal,
} from '../../infra/local/dynamo.js';
import { createDocumentClient } from '../../shared/store/index.js';

export type BackendKind = LocalDynamo['kind'];

const javaFound = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;

/**
 * The backends the store's conformance suites run on: dynalite always; AWS's DynamoDB Local where Java
 * is installed. On CI Java must be there (the suite fails rather than skip); elsewhere its absence is
 * said loudly and the DynamoDB Local half is skipped.
 */
export function conformanceBackends(): BackendKind[] {
  if (javaFound) return ['dynalite', 'dynamodb-local'];
  if (process.env['CI']) throw new Error('Java is missing: the DynamoDB Local conformance suite must run on CI');
  console.warn('\n*** Java not found: SKIPPING the DynamoDB Local conformance suite (install Java 17 to run it) ***\n');
  return ['dynalite'];
}

export function startBackend(kind: BackendKind): Promise<LocalDynamo> {
  return kind === 'dynalite' ? startDynalite() : startDynamoDbLocal();
}

let tables = 0;

/** A fresh table on the backend (one per test, so tests never see each other's items). */
export async function freshTable(backend: LocalDynamo): Promise<{ tableName: string; doc: DynamoDBDocumentClient }> {
  const tableName = `tokens-${process.pid}-${++tables}`;
  await createTable(backend.endpoint, tableName);
  return { tableName, doc: createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: backend.endpoint }) };
}

/** One backend of `kind` for the describe block it is called in: started before its tests, stopped after. */
export function useBackend(kind: BackendKind): () => LocalDynamo {
  let backend: LocalDynamo | undefined;
  beforeAll(async () => {
    backend = await startBackend(kind);
  }, 60_000);
  afterAll(() => backend?.close());
  return () => {
    if (!backend) throw new Error(`${kind} is not started yet`);
    return backend;
  };
}
