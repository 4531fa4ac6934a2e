import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AUTHORIZER_LISTING_ATTRIBUTES } from '../shared/store/items/authorizer.js';
import { TABLE_SCHEMA } from '../shared/store/schema.js';
import type { FunctionName } from './function.js';

/**
 * The table actions each function makes, and nothing more: test/iam/function-calls.test.ts records every
 * call of a simulated day per function and checks both ways (each call allowed, each action used).
 */
const TABLE_ACTIONS: Readonly<Record<FunctionName, readonly string[]>> = {
  sync: ['GetItem', 'PutItem', 'UpdateItem', 'Scan'],
  // The refresh runs the sync itself when WeChat refuses a refresh token (61023): recovery at once.
  refresh: ['GetItem', 'PutItem', 'UpdateItem', 'Scan'],
  // GetItem reads the whole item: a renewal the getter starts needs the refresh token. Its one Scan is
  // the listing's, granted apart (LISTING_SCAN).
  getter: ['GetItem', 'UpdateItem'],
  // An `authorized` push of an account never stored creates its item (a conditional PutItem).
  callback: ['GetItem', 'PutItem', 'UpdateItem'],
  // Sessions and pre-auth-code index items (conditional PutItem, GetItem, UpdateItem on completion), and
  // the authorizer item through the exchange of a code (exchangeAuthorization, the callback's path).
  onboarding: ['GetItem', 'PutItem', 'UpdateItem'],
  // None: it reads the table's stream (granted by its event source) and publishes to the bus.
  events: [],
};

/** Only the events function never reads the component's credentials: it calls neither WeChat nor the table. */
const SECRET_READERS: readonly FunctionName[] = ['sync', 'refresh', 'getter', 'callback', 'onboarding'];

/** Table actions granted under IAM conditions. */
interface TableStatement {
  readonly actions: readonly string[];
  readonly conditions: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/**
 * The getter's Scan (GET /authorizers): only the listing's attributes, so that no Scan the getter makes
 * can read a refresh token or an access token. `dynamodb:Attributes` is every attribute a request names
 * (projection and filter); ForAllValues holds for a request naming none, so `dynamodb:Select` must be
 * SPECIFIC_ATTRIBUTES, with StringEquals and not IfExists: DynamoDB gives every Scan a Select
 * (ALL_ATTRIBUTES when the request says none and projects nothing). The sync's and the refresh's Scans
 * read refresh tokens, and stay unconditioned.
 */
const LISTING_SCAN: TableStatement = {
  actions: ['Scan'],
  conditions: {
    'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...AUTHORIZER_LISTING_ATTRIBUTES] },
    StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
  },
};

/** The table actions each function is granted only under conditions. */
const CONDITIONED_TABLE_ACTIONS: Readonly<Partial<Record<FunctionName, readonly TableStatement[]>>> = {
  getter: [LISTING_SCAN],
};

/** Only the refresh reads the due index (the renewals that are due). */
const INDEX_ACTIONS: Readonly<Partial<Record<FunctionName, readonly string[]>>> = { refresh: ['Query'] };

/**
 * Grants each function its table actions and the one secret call it makes: GetSecretValue (not
 * `secret.grantRead`, which adds DescribeSecret, which no function calls).
 */
export function grantFunctionAccess(
  functions: Readonly<Record<FunctionName, lambda.IFunction>>,
  table: { readonly tableArn: string },
  secret: secretsmanager.ISecret,
): void {
  const indexArn = `${table.tableArn}/index/${TABLE_SCHEMA.dueIndex.name}`;
  // A secret named by its partial ARN (no random suffix) is matched with the suffix Secrets Manager adds.
  const secretArn = secret.secretFullArn ?? `${secret.secretArn}-??????`;
  for (const [name, fn] of Object.entries(functions) as [FunctionName, lambda.IFunction][]) {
    const dynamodb = (actions: readonly string[], resource: string, conditions?: TableStatement['conditions']) =>
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: actions.map((action) => `dynamodb:${action}`),
          resources: [resource],
          ...(conditions ? { conditions } : {}),
        }),
      );
    if (TABLE_ACTIONS[name].length > 0) dynamodb(TABLE_ACTIONS[name], table.tableArn);
    for (const statement of CONDITIONED_TABLE_ACTIONS[name] ?? [])
      dynamodb(statement.actions, table.tableArn, statement.conditions);
    const indexActions = INDEX_ACTIONS[name];
    if (indexActions) dynamodb(indexActions, indexArn);
    if (!SECRET_READERS.includes(name)) continue;
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] }));
    // A secret under a customer key: the function may decrypt with it, through Secrets Manager only
    // (kms:ViaService), not call KMS on the key directly.
    if (secret.encryptionKey) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [secret.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${secret.env.region}.amazonaws.com` } },
        }),
      );
    }
  }
}
