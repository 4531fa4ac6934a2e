import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The product's four Lambdas, each the handler in `functions/<name>/handler.ts`. */
export type FunctionName = 'sync' | 'refresh' | 'getter' | 'callback';

export interface TokensFunctionOptions {
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly retention: logs.RetentionDays;
  /** Where a scheduled function's failed runs go; the API's functions answer their callers instead. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * One of the four functions, bundled from source (nodejs22.x on arm64, traced), with its own log group
 * and its own role, and the cdk-nag findings it is built to have acknowledged with the reason.
 */
export function tokensFunction(
  scope: Construct,
  name: FunctionName,
  options: TokensFunctionOptions,
): nodejs.NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${name}Logs`, {
    retention: options.retention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  // Its own role, writing only to its own log group (not the managed basic-execution policy's logs:* on *).
  const role = new iam.Role(scope, `${name}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [`${logGroup.logGroupArn}:*`],
    }),
  );
  const scheduled = name === 'sync' || name === 'refresh';
  const fn = new nodejs.NodejsFunction(scope, `${name}Function`, {
    role,
    ...(scheduled ? { deadLetterQueue: options.deadLetterQueue } : {}),
    entry: path.join(root, 'functions', name, 'handler.ts'),
    handler: 'handler',
    projectRoot: root,
    depsLockFilePath: path.join(root, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: options.memorySize,
    timeout: options.timeout,
    environment: options.environment,
    logGroup,
    tracing: lambda.Tracing.ACTIVE,
    bundling: {
      minify: true,
      sourceMap: true,
      // The SDK is bundled (tree-shaken, pinned to our lock file) rather than taken from the runtime:
      // see the README for the cold-start measurement behind this choice.
      externalModules: [],
      target: 'node22',
      // Errors are named after their classes at run time (shared/errors.ts): minified, they would not be.
      keepNames: true,
    },
  });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords accept no resource ARN.',
  });
  const logGroupId = Stack.of(scope).getLogicalId(logGroup.node.defaultChild as logs.CfnLogGroup);
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logGroupId}.Arn>:*]`,
    reason: "Log streams of the function's own log group: Lambda names them at run time.",
  });
  for (const id of ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']) {
    Validations.of(fn).acknowledge({
      id,
      reason: 'Pinned to nodejs22.x by design: the runtime the code is built, bundled and tested for.',
    });
  }
  if (!scheduled) {
    Validations.of(fn).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked synchronously by API Gateway only: a failure is answered to the caller (WeChat re-delivers pushes).',
    });
  }
  return fn;
}
