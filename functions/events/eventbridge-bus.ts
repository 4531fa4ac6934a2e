import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventBusClient } from '../../shared/events/index.js';

/**
 * The publisher's bus on AWS: PutEvents through the SDK's EventBridge client (its own retries cover a
 * throttled or failed call; entries EventBridge refuses one by one are the publisher's to send again).
 */
export function eventBridgeBus(client: EventBridgeClient): EventBusClient {
  return { putEvents: (entries) => client.send(new PutEventsCommand({ Entries: [...entries] })) };
}
