import type { Deployment } from './resolve.js';

/**
 * One AWS call a function made, as IAM authorizes it: the action, the resource's ARN, and the request's
 * condition keys where a policy of the product reads them (a Scan's or Query's `dynamodb:Attributes` and
 * `dynamodb:Select`).
 */
export interface RecordedCall {
  readonly fn: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: RequestContext;
}

/** Condition keys of one request, as iam-simulate takes them. */
export type RequestContext = Readonly<Record<string, string | readonly string[]>>;

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
  Select?: string;
  ProjectionExpression?: string;
  FilterExpression?: string;
  KeyConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExclusiveStartKey?: Record<string, unknown>;
};

/**
 * The condition keys DynamoDB evaluates a Scan or Query with: `dynamodb:Attributes`, every top-level
 * attribute the request names (each projected name, each `#placeholder` of the filter and the key
 * condition: the product writes every attribute of an expression as one, see shared/store/table.ts; the
 * start key's), and `dynamodb:Select`: the request's own, or ALL_ATTRIBUTES when it says none and
 * projects nothing (DynamoDB's default). A request with a projection and no Select is given no Select
 * here: AWS does not say which value it evaluates then, so a policy requiring one refuses it here, and
 * the product sends it.
 */
export function readContext(input: DynamoInput): RequestContext {
  const resolve = (name: string) => (name.startsWith('#') ? (input.ExpressionAttributeNames?.[name] ?? name) : name);
  const names = new Set<string>(Object.keys(input.ExclusiveStartKey ?? {}));
  for (const projected of (input.ProjectionExpression ?? '').split(',')) {
    // A top-level attribute: a nested path (a.b, a[0]) is its first name.
    const top = projected.trim().split(/[.[]/)[0];
    if (top) names.add(resolve(top));
  }
  for (const expression of [input.FilterExpression, input.KeyConditionExpression]) {
    for (const [placeholder] of (expression ?? '').matchAll(/#\w+/g)) names.add(resolve(placeholder));
  }
  const select = input.Select ?? (input.ProjectionExpression === undefined ? 'ALL_ATTRIBUTES' : undefined);
  return {
    ...(names.size > 0 ? { 'dynamodb:Attributes': [...names].sort() } : {}),
    ...(select ? { 'dynamodb:Select': select } : {}),
  };
}

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

  #requests(service: string, operation: string, input: object): Omit<RecordedCall, 'fn'>[] {
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
      {
        action: `dynamodb:${op}`,
        resource: dynamo.IndexName ? `${resource}/index/${dynamo.IndexName}` : resource,
        ...(op === 'Scan' || op === 'Query' ? { context: readContext(dynamo) } : {}),
      },
    ];
  }

  /** The distinct requests of `fn` (action, resource and condition keys), sorted. */
  distinct(fn: string): Omit<RecordedCall, 'fn'>[] {
    const seen = new Map<string, Omit<RecordedCall, 'fn'>>();
    for (const { fn: _fn, ...call } of this.calls.filter((candidate) => candidate.fn === fn)) {
      seen.set(`${call.action} ${call.resource} ${JSON.stringify(call.context ?? {})}`, call);
    }
    return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, call]) => call);
  }
}
