import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { FunctionName } from '../../infra/function.js';
import { WechatAuthorizerTokensStack } from '../../infra/stack.js';

type Value = string | number | boolean | { [key: string]: Value } | Value[];

interface Resource {
  readonly Type: string;
  readonly Properties: { [key: string]: Value };
  readonly Metadata?: { [key: string]: string };
}

/** One of the hub's functions as the synthesized template and assembly deploy it. */
export interface DeployedFunction {
  readonly name: FunctionName;
  /** The asset folder in cdk.out that Lambda would unzip: the bundle as deployed. */
  readonly assetDir: string;
  readonly handler: string;
  readonly runtime: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  /** The template's environment, its references left as CloudFormation intrinsics. */
  readonly variables: { readonly [name: string]: Value };
}

/** Synthesizes the hub into `outdir` (as `cdk synth` does) and reads its functions from the assembly. */
export function synthesizeHub(outdir: string, componentAppId: string): DeployedFunction[] {
  // The CLI has the app record each resource's asset folder (`aws:asset:path`): so does this synth.
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  new WechatAuthorizerTokensStack(app, 'Hub', { componentAppId });
  const assembly = app.synth();
  const template = JSON.parse(readFileSync(join(assembly.directory, 'Hub.template.json'), 'utf8')) as {
    Resources: Record<string, Resource>;
  };
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => {
      const name = /(sync|refresh|getter|callback|onboarding|events)Function/.exec(logicalId)?.[1] as
        | FunctionName
        | undefined;
      const asset = resource.Metadata?.['aws:asset:path'];
      if (!name || !asset) throw new Error(`unexpected function ${logicalId}`);
      const properties = resource.Properties as Record<string, Value>;
      const environment = properties['Environment'] as { Variables: Record<string, Value> };
      return {
        name,
        assetDir: join(assembly.directory, asset),
        handler: String(properties['Handler']),
        runtime: String(properties['Runtime']),
        memorySize: Number(properties['MemorySize']),
        timeoutSeconds: Number(properties['Timeout']),
        variables: environment.Variables,
      };
    });
}

/**
 * The template's environment with each reference resolved to what it names here: `refs` maps a logical
 * id's prefix (`TokensTable`) to its value. A reference nobody resolved fails, so that a new kind of
 * variable is not passed on as an object.
 */
export function resolveVariables(
  variables: { readonly [name: string]: Value },
  refs: Readonly<Record<string, string>>,
): Record<string, string> {
  const resolve = (name: string, value: Value): string => {
    if (typeof value === 'string') return value;
    const ref = typeof value === 'object' && !Array.isArray(value) ? value['Ref'] : undefined;
    const match = typeof ref === 'string' ? Object.entries(refs).find(([prefix]) => ref.startsWith(prefix)) : undefined;
    if (!match) throw new Error(`${name}: no local value for ${JSON.stringify(value)}`);
    return match[1];
  };
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, resolve(name, value)]));
}

/** What the Lambda service itself sets in every function's environment (with fake credentials). */
export function lambdaServiceVariables(fn: DeployedFunction, region: string): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: `Hub-${fn.name}`,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/Hub-${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/02/[$LATEST]0123456789abcdef0123456789abcdef',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_ACCESS_KEY_ID: 'ASIAXMPLEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    _X_AMZN_TRACE_ID: 'Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e;Parent=91ed514f1e5c03b2;Sampled=1',
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: fn.assetDir,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
  };
}

export interface Invocation {
  /** What the handler returned. */
  readonly result: unknown;
  /** Everything the function printed (its log lines). */
  readonly output: string;
}

const RESULT_MARK = '@@result@@';

// Loads the handler the way Lambda's Node runtime does (`index.handler` from the task root, ESM), and
// prints its answer after a mark, apart from the log lines.
const RUNNER = `
const [file, exported, event, context, timeoutMs] = process.argv.slice(1);
const module = await import(new URL('file://' + file).href);
const deadline = Date.now() + Number(timeoutMs);
const result = await module[exported](JSON.parse(event), {
  ...JSON.parse(context),
  getRemainingTimeInMillis: () => deadline - Date.now(),
});
process.stdout.write('\\n${RESULT_MARK}' + JSON.stringify(result ?? null) + '\\n');
`;

/**
 * Invokes a deployed function once, in a Node process of its own (this Node: the runtime's major, which
 * a test checks), with exactly `environment` and nothing inherited.
 */
export async function invokeBundle(
  fn: DeployedFunction,
  environment: Record<string, string>,
  event: unknown,
): Promise<Invocation> {
  const [file, exported] = fn.handler.split('.');
  const context = {
    functionName: `Hub-${fn.name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${environment['AWS_REGION']}:123456789012:function:Hub-${fn.name}`,
    memoryLimitInMB: String(fn.memorySize),
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    logGroupName: environment['AWS_LAMBDA_LOG_GROUP_NAME'],
    logStreamName: environment['AWS_LAMBDA_LOG_STREAM_NAME'],
    callbackWaitsForEmptyEventLoop: true,
  };
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      RUNNER,
      join(fn.assetDir, `${file}.mjs`),
      exported ?? '',
      JSON.stringify(event),
      JSON.stringify(context),
      String(fn.timeoutSeconds * 1000),
    ],
    { cwd: fn.assetDir, env: environment, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const marked = output.split('\n').find((line) => line.startsWith(RESULT_MARK));
  if (code !== 0 || marked === undefined) throw new Error(`${fn.name} failed (exit ${code}):\n${output.slice(-4000)}`);
  return { result: JSON.parse(marked.slice(RESULT_MARK.length)), output };
}
