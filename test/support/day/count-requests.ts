import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Counts the DynamoDB requests sent through `doc`, by command (a Query's every page is one; the SDK's own
 * retries are not counted again): what a schedule costs in requests, in the benchmark.
 */
export function countRequests(doc: DynamoDBDocumentClient): { total: number; byCommand: Map<string, number> } {
  const counts = { total: 0, byCommand: new Map<string, number>() };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      counts.total++;
      counts.byCommand.set(name, (counts.byCommand.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return counts;
}
