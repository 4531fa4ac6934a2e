import type { Deployment } from './resolve.js';

/** One AWS call a function made, as IAM authorizes it: the action and the resource's ARN. */
export interface RecordedCall {
  readonly fn: string;
  readonly action: string;
  readonly resource: string;
}

/** What the recorder needs of an SDK v3 client: its middleware stack (every client has one). */
interface ClientWithStack {
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: { input: object }) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: { input: object }) => Promise<unknown>,
      options: { step: 'initialize'; priority: 'high'; name: string },
    ): void;
  };
}

/** The document client's commands, by the DynamoDB operation (and IAM action) each one is. */
const DOCUMENT_OPERATIONS: Readonly<Record<string, string>> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
};

/** The IAM actions of one transaction's items: a transaction has no action of its own. */
const TRANSACT_ITEM_ACTIONS: Readonly<Record<string, string>> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

type DynamoInput = {
  TableName?: string;
  IndexName?: string;
  RequestItems?: Record<string, unknown>;
  TransactItems?: Record<string, { TableName?: string }>[];
};

/**
 * Records every call a client sends, as (function, IAM action, resource ARN), in the account and region
 * of `deployment` (where the function runs): DynamoDB on the table, or its index for a Query or Scan
 * with IndexName, each item's table for batches and transactions; Secrets Manager on the SecretId.
 */
export class SdkRecorder {
  readonly calls: RecordedCall[] = [];
  readonly #deployment: Deployment;

  constructor(deployment: Deployment) {
    this.#deployment = deployment;
  }

  /** Adds the recording middleware to `client`, whose calls are `fn`'s; returns the client. */
  record<Client extends ClientWithStack>(client: Client, fn: string, service: 'dynamodb' | 'secretsmanager'): Client {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = (context.commandName ?? '').replace(/Command$/, '');
        for (const call of this.#requests(service, operation, args.input)) this.calls.push({ fn, ...call });
        return next(args);
      },
      // First of all: a call answered by a stub further in is recorded too.
      { step: 'initialize', priority: 'high', name: `iamRecorder-${fn}` },
    );
    return client;
  }

  #requests(service: string, operation: string, input: object): { action: string; resource: string }[] {
    const { region, account } = this.#deployment;
    if (service === 'secretsmanager') {
      const id = String((input as { SecretId?: string }).SecretId);
      const resource = id.startsWith('arn:') ? id : `arn:aws:secretsmanager:${region}:${account}:secret:${id}`;
      return [{ action: `secretsmanager:${operation}`, resource }];
    }
    const table = (name: string) => `arn:aws:dynamodb:${region}:${account}:table/${name}`;
    const dynamo = input as DynamoInput;
    const op = DOCUMENT_OPERATIONS[operation] ?? operation;
    if (op === 'TransactWriteItems' || op === 'TransactGetItems') {
      return (dynamo.TransactItems ?? []).flatMap((item) =>
        Object.entries(item).map(([kind, request]) => ({
          action: `dynamodb:${TRANSACT_ITEM_ACTIONS[kind] ?? kind}`,
          resource: table(String(request.TableName)),
        })),
      );
    }
    if (dynamo.RequestItems) {
      return Object.keys(dynamo.RequestItems).map((name) => ({ action: `dynamodb:${op}`, resource: table(name) }));
    }
    const resource = table(String(dynamo.TableName));
    return [
      { action: `dynamodb:${op}`, resource: dynamo.IndexName ? `${resource}/index/${dynamo.IndexName}` : resource },
    ];
  }

  /** The distinct (action, resource) pairs of `fn`, sorted. */
  distinct(fn: string): { action: string; resource: string }[] {
    const seen = new Map<string, { action: string; resource: string }>();
    for (const call of this.calls.filter((candidate) => candidate.fn === fn)) {
      seen.set(`${call.action} ${call.resource}`, { action: call.action, resource: call.resource });
    }
    return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, call]) => call);
  }
}
