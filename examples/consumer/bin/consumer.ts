#!/usr/bin/env node
// Another team's CDK app: one stack whose Lambda reads two accounts' tokens from a hub deployed elsewhere.
import * as cdk from 'aws-cdk-lib/core';
import { ConsumerStack } from '../lib/consumer-stack.js';

const app = new cdk.App();
new ConsumerStack(app, 'ConsumerStack', {
  // The hub's stack outputs (or its SSM parameters) give these; cdk.json holds the example's.
  hub: { componentAppId: app.node.getContext('hubComponentAppId'), apiId: app.node.getContext('hubApiId') },
  appIds: app.node.getContext('appIds'),
});
