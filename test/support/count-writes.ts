import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isSyncRunKey } from '../../shared/store/index.js';

/**
 * Counts the writes that reach authorizer items through `doc` (the sync's run lease has its own item and
 * is not counted): how "an unchanged sync writes nothing" is measured, in the benchmark and the tests.
 */
export function countAuthorizerWrites(doc: DynamoDBDocumentClient): { count: number } {
  const writes = { count: 0 };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: { pk?: string }; Item?: { pk?: string } };
      const pk = input.Key?.pk ?? input.Item?.pk ?? '';
      if (/Put|Update|Delete|BatchWrite/.test(context.commandName ?? '') && !isSyncRunKey(pk)) writes.count++;
      return next(args);
    },
    { step: 'initialize', name: 'countAuthorizerWrites' },
  );
  return writes;
}
