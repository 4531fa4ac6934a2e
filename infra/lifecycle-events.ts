import { Duration, Stack, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DETAIL_TYPES, EVENT_SOURCE } from '../shared/events/catalogue.js';
import { TABLE_SCHEMA } from '../shared/store/schema.js';
import { EventRuleError } from './errors.js';
import { SendOnlyEventSourceDestination } from './failure-destination.js';

/**
 * The items whose changes can become events: authorizers and onboarding sessions. The mapping's filters
 * keep every other item's writes (tickets, the component token, leases, sync runs, pre-auth codes) from
 * invoking the function at all.
 */
export const EVENT_ITEM_PREFIXES = ['AUTHORIZER#', 'ONBOARDING#'] as const;

/**
 * How the stream is read. TRIM_HORIZON: a mapping created (or re-created) after writes still reads
 * them. One batch per shard at a time (parallelizationFactor 1), so that one account's records are
 * published in their order. A failing batch is halved until the failing record is alone
 * (bisectBatchOnError), and the function reports the first record it could not publish
 * (reportBatchItemFailures), so that the records before it are not published twice. Retried without a
 * count (`retryAttempts: -1`, CloudFormation's MaximumRetryAttempts -1: until the record expires), so a
 * throttle or an outage of EventBridge loses nothing however many fast retries it takes; the function
 * itself drops what can never be published (a record it cannot read, an event too large) rather than
 * fail on it. Only a record 24 hours old (the stream keeps a record no longer) is given up: its batch's
 * description goes to the dead-letter queue (its alarm).
 */
export const STREAM_READING = {
  startingPosition: lambda.StartingPosition.TRIM_HORIZON,
  batchSize: 100,
  parallelizationFactor: 1,
  bisectBatchOnError: true,
  reportBatchItemFailures: true,
  retryAttempts: -1,
  maxRecordAge: Duration.hours(24),
} as const;

/**
 * The events function consumes the table's stream (which must have NEW_AND_OLD_IMAGES), with the
 * filters of `EVENT_ITEM_PREFIXES`, and is granted events:PutEvents on `bus` only. The event source
 * grants the stream's read actions.
 */
export function consumeTableStream(
  fn: lambda.Function,
  parts: { table: dynamodb.ITable; bus: events.IEventBus; deadLetterQueue: sqs.IQueue },
): void {
  fn.addEventSource(
    new DynamoEventSource(parts.table, {
      ...STREAM_READING,
      onFailure: new SendOnlyEventSourceDestination(parts.deadLetterQueue),
      filters: EVENT_ITEM_PREFIXES.map((prefix) =>
        lambda.FilterCriteria.filter({
          dynamodb: { Keys: { [TABLE_SCHEMA.partitionKey]: { S: lambda.FilterRule.beginsWith(prefix) } } },
        }),
      ),
    }),
  );
  parts.bus.grantPutEventsTo(fn);
}

/** What `addEventRule` routes: some or all of the hub's detail-types, to the targets given. */
export interface EventRuleOptions {
  /** Only these detail-types (`DETAIL_TYPES` of shared/events/catalogue.ts, docs/events.md). @default - every event of the hub */
  readonly detailTypes?: readonly string[];
  readonly targets: events.IRuleTarget[];
  /** @default - none */
  readonly description?: string;
}

/** The pattern of one hub's events on its bus: its source, its component AppId, the detail-types asked for. */
export function hubEventPattern(componentAppId: string, detailTypes?: readonly string[]): events.EventPattern {
  return {
    source: [EVENT_SOURCE],
    detail: { componentAppId: [componentAppId] },
    ...(detailTypes === undefined ? {} : { detailType: [...detailTypes] }),
  };
}

/** A rule on `bus` matching this hub's events (`hubEventPattern`) to `options.targets`. */
export function hubEventRule(
  scope: Construct,
  id: string,
  parts: { bus: events.IEventBus; componentAppId: string },
  options: EventRuleOptions,
): events.Rule {
  const known: readonly string[] = Object.values(DETAIL_TYPES);
  // A misspelt detail-type would match nothing, and the rule would deliver nothing, silently.
  const unknown = (options.detailTypes ?? []).filter((type) => !known.includes(type));
  if (unknown.length > 0)
    throw new EventRuleError(
      `addEventRule ${id}: ${unknown.map((type) => JSON.stringify(type)).join(', ')} is not a detail-type of the hub (${known.join(', ')})`,
    );
  // A rule belongs to its bus's account and Region: CloudFormation cannot create one on another account's
  // bus from this stack. (Unresolved tokens cannot be compared: a bus of this stack, or one imported by a
  // token ARN, is taken as given.)
  const stack = Stack.of(scope);
  const { account, region } = parts.bus.env;
  const differs = (theirs: string, ours: string) =>
    !Token.isUnresolved(theirs) && !Token.isUnresolved(ours) && theirs !== ours;
  if (differs(account, stack.account) || differs(region, stack.region))
    throw new EventRuleError(
      `addEventRule ${id}: the hub's bus (${parts.bus.eventBusArn}) is in account ${account}, Region ${region}, not this stack's (${stack.account}, ${stack.region}): create the rule in a stack of the bus's account and Region, with hubEventPattern`,
    );
  if (options.detailTypes?.length === 0)
    throw new EventRuleError(`addEventRule ${id}: an empty detailTypes list matches no event; omit it for every event`);
  return new events.Rule(scope, id, {
    eventBus: parts.bus,
    eventPattern: hubEventPattern(parts.componentAppId, options.detailTypes),
    targets: options.targets,
    ...(options.description === undefined ? {} : { description: options.description }),
  });
}
