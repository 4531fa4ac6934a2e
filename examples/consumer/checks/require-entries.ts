// What the jest test of a stock `cdk init` app does, in CommonJS: it imports the app's stack (which
// imports the construct), synthesizes it, and starts the package's local runtime for an integration test.
// The repository's test/package/consumer.test.ts runs it with Node's require() of ES modules turned off,
// as under jest's module system, and reads the line it prints.
import { Template } from 'aws-cdk-lib/assertions';
import * as cdk from 'aws-cdk-lib/core';
import { WechatAuthorizerTokensStack } from 'wechat-authorizer-tokens/construct';
import { startLocalRuntime } from 'wechat-authorizer-tokens/local';
import { ConsumerStack } from '../lib/consumer-stack.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

async function main(): Promise<void> {
  const app = new cdk.App();
  const consumer = new ConsumerStack(app, 'ConsumerStack', {
    hub: { componentAppId: 'wx0123456789abcdef', apiId: 'a1b2c3d4e5' },
    appIds: ['wx1111111111111111'],
  });
  const hub = new WechatAuthorizerTokensStack(app, 'Hub', { componentAppId: 'wx0123456789abcdef' });
  const runtime = await startLocalRuntime({
    port: 0,
    authorizers: 0,
    seedAppIds: ['wx1111111111111111'],
    refreshEveryMs: 3_600_000,
    logger: quiet,
  });
  const status = await fetch(`${runtime.apiUrl}/__local/status`).finally(() => runtime.close());
  const functionsOf = (stack: cdk.Stack) =>
    Object.keys(Template.fromStack(stack).findResources('AWS::Lambda::Function')).length;
  console.log(
    JSON.stringify({
      resolved: ['construct', 'client', 'local'].map((entry) => require.resolve(`wechat-authorizer-tokens/${entry}`)),
      consumerFunctions: functionsOf(consumer),
      hubFunctions: functionsOf(hub),
      localStatus: status.status,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
