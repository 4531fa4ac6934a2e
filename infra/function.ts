import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { NamedError } from '../shared/errors.js';

/** The product's Lambdas, each the handler in `functions/<name>/handler.ts`. */
export type FunctionName = 'sync' | 'refresh' | 'getter' | 'callback' | 'onboarding' | 'events';

/** The newest Node.js runtime aws-cdk-lib 2.276 offers; scripts/bundle-functions.ts targets its major. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

const PACKAGE_NAME = 'wechat-authorizer-tokens';

/** A function's pre-built bundle is not where the construct deploys it from. */
export class MissingBundleError extends NamedError {
  constructor(problem: string) {
    super(`${problem}: run npm run build`);
  }
}

/**
 * This package's root: the nearest folder above this module whose package.json is ours. The same walk
 * finds it from the source (infra/function.ts, under tests and `npx cdk synth`) and from the installed
 * package (dist/infra/function.js, in a consumer's node_modules).
 */
function packageRoot(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(directory, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME
    ) {
      return directory;
    }
    const parent = path.dirname(directory);
    if (parent === directory)
      throw new MissingBundleError(`no package.json named ${PACKAGE_NAME} above ${import.meta.url}`);
    directory = parent;
  }
}

/** Where `npm run build` (scripts/bundle-functions.ts) leaves a function's bundle: `index.mjs` and its map. */
export function bundleDirectory(name: FunctionName): string {
  const directory = path.join(packageRoot(), 'dist', 'bundles', name);
  if (!existsSync(path.join(directory, 'index.mjs')))
    throw new MissingBundleError(`the ${name} function's bundle is missing at ${directory}`);
  return directory;
}

/** Why no function has a dead-letter queue of its own: each fails somewhere that keeps the failure. */
const DLQ_REASONS: Readonly<Record<Exclude<FunctionName, 'sync' | 'refresh'> | 'scheduled', string>> = {
  scheduled:
    "A failed asynchronous run goes to the on-failure destination (the hub's FailedRuns queue), which carries the request and the error; a dead-letter queue as well would land each failure there twice.",
  getter: 'Invoked synchronously by API Gateway only: a failure is answered to the caller.',
  callback: 'Invoked synchronously by API Gateway only: a failure is answered to WeChat, which re-delivers the push.',
  onboarding: 'Invoked synchronously by API Gateway only: a failure is answered to the caller or the browser.',
  events:
    "Invoked by its DynamoDB stream's event source mapping only (never asynchronously): a batch that still fails after its retries goes to the mapping's on-failure destination (the hub's FailedRuns queue).",
};

export interface TokensFunctionOptions {
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly retention: logs.RetentionDays;
}

/**
 * One of the functions, deployed from its pre-built bundle (nodejs24.x on arm64, traced), with its
 * own log group and its own role, and the cdk-nag findings it is built to have acknowledged with the reason.
 */
export function tokensFunction(scope: Construct, name: FunctionName, options: TokensFunctionOptions): lambda.Function {
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
  // Pre-bundled (minified, source maps, keepNames, the AWS SDK inside: scripts/bundle-functions.ts) rather
  // than a NodejsFunction: a consumer's synth then needs neither our lock file, which npm never packs, nor esbuild.
  const fn = new lambda.Function(scope, `${name}Function`, {
    role,
    code: lambda.Code.fromAsset(bundleDirectory(name)),
    handler: 'index.handler',
    runtime: FUNCTION_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: options.memorySize,
    timeout: options.timeout,
    environment: options.environment,
    logGroup,
    tracing: lambda.Tracing.ACTIVE,
  });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      name === 'events'
        ? "X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and the stream consumer's dynamodb:ListStreams, which the event source grants: none accepts a resource ARN."
        : 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords accept no resource ARN.',
  });
  const logGroupId = Stack.of(scope).getLogicalId(logGroup.node.defaultChild as logs.CfnLogGroup);
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logGroupId}.Arn>:*]`,
    reason: "Log streams of the function's own log group: Lambda names them at run time.",
  });
  for (const id of ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']) {
    Validations.of(fn).acknowledge({
      id,
      reason:
        'Pinned to nodejs24.x, the newest Node.js runtime of this aws-cdk-lib: the runtime the bundles target and the tests run on.',
    });
  }
  Validations.of(fn).acknowledge({ id: 'Serverless-LambdaDLQ', reason: DLQ_REASONS[scheduled ? 'scheduled' : name] });
  return fn;
}
