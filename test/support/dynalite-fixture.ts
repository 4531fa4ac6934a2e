import { afterAll, beforeAll } from 'vitest';
import { type LocalDynamo, startDynalite } from '../../infra/local/dynamo.js';

/** One in-memory dynalite for the test file: started before its tests, stopped after. */
export function useDynalite(): () => LocalDynamo {
  let backend: LocalDynamo | undefined;
  beforeAll(async () => {
    backend = await startDynalite();
  });
  afterAll(() => backend?.close());
  return () => {
    if (!backend) throw new Error('dynalite is not started yet');
    return backend;
  };
}
