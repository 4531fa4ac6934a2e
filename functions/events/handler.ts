// The events Lambda: the table's DynamoDB stream (NEW_AND_OLD_IMAGES, ReportBatchItemFailures) → the
// lifecycle events → EventBridge PutEvents on EVENT_BUS_NAME (the bus's ARN).
//
// What the deployment gives it (INFRA): the environment configFromEnv reads (COMPONENT_APPID, TABLE_NAME,
// COMPONENT_SECRET_ARN as for every function, though this one never reads the secret) and EVENT_BUS_NAME;
// IAM: events:PutEvents on that bus only; dynamodb:DescribeStream, GetRecords, GetShardIterator and
// ListStreams on the table's stream (the event source mapping's, `table.grantStreamRead`); the on-failure
// destination's send (sqs:SendMessage), which Lambda does with the function's role. No table read or write,
// no secret.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { configFromEnv } from '../../shared/config/index.js';
import { EventBusNotConfiguredError } from '../../shared/events/index.js';
import { observe } from '../common/lambda-entry.js';
import { eventBridgeBus } from './eventbridge-bus.js';
import { createEvents, type EventsDeps } from './events.js';

const observed = observe('events');
let deps: EventsDeps | undefined;

function depsFromEnv(): EventsDeps {
  const config = configFromEnv();
  if (!config.eventBusName) throw new EventBusNotConfiguredError();
  return {
    componentAppId: config.componentAppId,
    eventBusName: config.eventBusName,
    // Wrapped by Tracer as the other functions' SDK clients are: each PutEvents an X-Ray subsegment.
    bus: eventBridgeBus(observed.tracer.captureAWSv3Client(new EventBridgeClient({}))),
    logger: observed.logger,
    metrics: observed.metrics,
  };
}

const events = createEvents(() => (deps ??= depsFromEnv()));

export const handler = observed.entry(events);
