/**
 * The local runtime's stand-in for the table's DynamoDB stream and the events function (dynalite has no
 * streams). For the LOCAL wiring:
 *
 * ```ts
 * const local = startLocalEvents({ doc, tableName, componentAppId, logger });
 * // GET /__local/events → { events: local.events() }
 * await local.settled(); // every write so far has reached the bus (tests)
 * await local.close();   // before the DynamoDB client is destroyed
 * ```
 *
 * It is a middleware on the client's stack (a document client shares its DynamoDB client's), so every
 * write the product makes through that client is seen, whichever store makes it. For each write of the
 * table (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems) it holds the written keys,
 * reads each item before and after (consistently), and for each key whose item changed makes the record
 * DynamoDB Streams would (NEW_AND_OLD_IMAGES: INSERT, MODIFY or REMOVE, a growing sequence number); a
 * write that changed nothing (a refused condition, a throttle, a no-op) makes none, as on AWS, and one
 * whose answer failed but that was applied (the answer lost) makes its record, as on AWS.
 * Writes of one key are held one at a time, so each record's images are exactly that write's before and
 * after. The records go, in order, to the events function's own handler (createEvents), which derives and
 * publishes them to the stand-in bus (event-bus.ts): the same code as on AWS from the record on.
 *
 * Writes made with another client (the data folder's restore) are not seen: they are not the product's.
 */

import { type AttributeValue, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createEvents } from '../../functions/events/events.js';
import type { StreamRecord } from '../../shared/events/change.js';
import type { Logger } from '../../shared/logger.js';
import { createLocalEventBus, type LocalEventBus, type PublishedEvent } from './event-bus.js';
import { streamRecord } from './stream-record.js';

export type { PublishedEvent } from './event-bus.js';

/** What a client needs for the stand-in: its middleware stack, and sending a GetItem. */
export interface StreamedClient {
  readonly middlewareStack: {
    add(middleware: never, options: { step: 'build'; name: string; priority?: 'low' }): void;
    remove(name: string): boolean;
  };
  send(command: GetItemCommand): Promise<{ Item?: Record<string, AttributeValue> }>;
}

export interface LocalEventsOptions {
  readonly doc: StreamedClient;
  readonly tableName: string;
  readonly componentAppId: string;
  readonly logger: Logger;
  /** The bus to publish to (a fresh stand-in by default). */
  readonly bus?: LocalEventBus;
  /** Records per invocation of the handler (Lambda's batch size). */
  readonly batchSize?: number;
  /** Sees every record made, before it is handled (the conformance test compares them with DynamoDB's). */
  readonly onRecords?: (records: readonly StreamRecord[]) => void;
}

export interface LocalEvents {
  /** Every event published so far, in order (GET /__local/events). */
  events(): readonly PublishedEvent[];
  readonly bus: LocalEventBus;
  /** Resolves when every record of the writes made so far has been handled. */
  settled(): Promise<void>;
  /** Stops seeing writes, once the records already made are handled. */
  close(): Promise<void>;
}

const MIDDLEWARE = 'localEventStream';
/** How often a batch whose records failed is handed again (Lambda retries; locally the bus never fails). */
const ATTEMPTS = 3;

export function startLocalEvents(options: LocalEventsOptions): LocalEvents {
  const bus = options.bus ?? createLocalEventBus();
  const handler = createEvents(() => ({
    componentAppId: options.componentAppId,
    eventBusName: 'local',
    bus,
    logger: options.logger,
  }));
  const locks = new KeyLocks();
  const queue: DynamoDBRecord[] = [];
  let delivering = Promise.resolve();
  let sequence = 0;

  const deliver = async (): Promise<void> => {
    while (queue.length > 0) {
      let batch = queue.splice(0, options.batchSize ?? 100);
      for (let attempt = 1; attempt <= ATTEMPTS && batch.length > 0; attempt++) {
        const { batchItemFailures } = await handler({ Records: batch } satisfies DynamoDBStreamEvent);
        const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
        // As Lambda: again from the lowest failed record on.
        const from = batch.findIndex((record) => failed.has(record.dynamodb?.SequenceNumber ?? ''));
        batch = from < 0 ? [] : batch.slice(from);
      }
      if (batch.length > 0) options.logger.error('local events not published', { records: batch.length });
    }
  };
  const emit = (records: DynamoDBRecord[]) => {
    options.onRecords?.(records);
    queue.push(...records);
    delivering = delivering.then(deliver).catch((error: unknown) => {
      options.logger.error('local events failed', { error: error instanceof Error ? error.name : typeof error });
    });
  };

  const read = async (pk: string) =>
    (
      await options.doc.send(
        new GetItemCommand({ TableName: options.tableName, Key: { pk: { S: pk } }, ConsistentRead: true }),
      )
    ).Item;

  const middleware =
    (next: (args: { input: object }) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: { input: object }) => {
      const keys = writtenKeys(context.commandName, args.input, options.tableName);
      if (keys.length === 0) return next(args);
      return locks.holding(keys, async () => {
        const before = await Promise.all(keys.map(read));
        // A write that failed may still have been applied (its answer lost: a timeout, a dropped socket),
        // and DynamoDB streams what it applied: so the items are read after a failure too, and a change
        // is a record whatever the answer was. (A refused condition changes nothing, so makes none.)
        let outcome: { ok: true; result: unknown } | { ok: false; error: unknown };
        try {
          outcome = { ok: true, result: await next(args) };
        } catch (error) {
          outcome = { ok: false, error };
        }
        // The write's own answer is what the caller gets, even if the read after it fails.
        const after = await Promise.all(keys.map(read)).catch((error: unknown) => {
          options.logger.error('local stream: items not read after a write', {
            error: error instanceof Error ? error.name : typeof error,
          });
          return undefined;
        });
        const records: DynamoDBRecord[] = [];
        if (after)
          keys.forEach((pk, index) => {
            const record = streamRecord(pk, before[index], after[index], ++sequence);
            if (record) records.push(record);
          });
        if (records.length > 0) emit(records);
        if (!outcome.ok) throw outcome.error;
        return outcome.result;
      });
    };
  options.doc.middlewareStack.add(middleware as never, { step: 'build', name: MIDDLEWARE, priority: 'low' });

  return {
    bus,
    events: () => bus.events(),
    settled: async () => {
      // A delivery can queue behind another: wait until the chain no longer grows.
      for (let seen = delivering; ; seen = delivering) {
        await seen;
        if (seen === delivering && queue.length === 0) return;
      }
    },
    close: async () => {
      options.doc.middlewareStack.remove(MIDDLEWARE);
      await delivering;
    },
  };
}

/** The keys of the table a write names, each once, in the request's order. */
export function writtenKeys(commandName: string | undefined, input: object, tableName: string): string[] {
  const request = input as Record<string, unknown>;
  const keyOf = (item: unknown): string | undefined => {
    const pk = (item as { pk?: { S?: unknown } } | undefined)?.pk?.S;
    return typeof pk === 'string' ? pk : undefined;
  };
  const mine = (table: unknown) => table === tableName;
  const keys: (string | undefined)[] = [];
  switch (commandName) {
    case 'PutItemCommand':
      if (mine(request['TableName'])) keys.push(keyOf(request['Item']));
      break;
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      if (mine(request['TableName'])) keys.push(keyOf(request['Key']));
      break;
    case 'BatchWriteItemCommand': {
      const writes = (request['RequestItems'] as Record<string, unknown[]> | undefined)?.[tableName] ?? [];
      for (const write of writes as { PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }[])
        keys.push(keyOf(write.PutRequest?.Item ?? write.DeleteRequest?.Key));
      break;
    }
    case 'TransactWriteItemsCommand':
      for (const item of (request['TransactItems'] ?? []) as Record<
        string,
        { TableName?: string; Key?: unknown; Item?: unknown }
      >[]) {
        const write = item['Put'] ?? item['Update'] ?? item['Delete'];
        if (write && mine(write.TableName)) keys.push(keyOf(write.Item ?? write.Key));
      }
      break;
  }
  return [...new Set(keys.filter((key): key is string => key !== undefined))];
}

/** Per-key mutual exclusion: a write holds all its keys (taken in one order, so two writes never deadlock). */
class KeyLocks {
  readonly #tails = new Map<string, Promise<void>>();

  async holding<T>(keys: readonly string[], run: () => Promise<T>): Promise<T> {
    const sorted = [...keys].sort();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const waits = sorted.map((key) => this.#tails.get(key) ?? Promise.resolve());
    for (const key of sorted) this.#tails.set(key, held);
    try {
      await Promise.all(waits);
      return await run();
    } finally {
      release();
      for (const key of sorted) if (this.#tails.get(key) === held) this.#tails.delete(key);
    }
  }
}
