import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ColdStart {
  /** From just before `import(bundle)` to its settling: loading and running the module's top level. */
  readonly importMs: number;
  /** From just before `import(bundle)` to the first invocation's resolved answer. */
  readonly totalMs: number;
  readonly statusCode: number;
  readonly body: string;
}

const MARK = 'cold-start ';

// A plain ES module, run by a fresh node: nothing of the benchmark's own process (tsx, a warm SDK, a JIT
// that has seen the code) is in it. It loads the handler as Lambda's Node runtime loads an `index.mjs`
// (a dynamic import of its file URL, cwd and LAMBDA_TASK_ROOT its folder) and calls it with an event and
// a Lambda context. The answer is printed once, after the handler resolves; the process then exits soon
// rather than waiting for the SDK's keep-alive sockets to close: 100 ms after the answer, outside the
// measured time, so that the UDP datagrams Tracer queued (the X-Ray segments) have left.
const DRIVER = `
import { pathToFileURL } from 'node:url';
const [bundle, eventJson] = process.argv.slice(2);
const event = JSON.parse(eventJson);
const context = {
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
  invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':123456789012:function:' + process.env.AWS_LAMBDA_FUNCTION_NAME,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 29_000,
};
const start = performance.now();
const { handler } = await import(pathToFileURL(bundle).href);
const imported = performance.now();
Promise.resolve(handler(event, context)).then(
  (response) => {
    const totalMs = performance.now() - start;
    const line = ${JSON.stringify(MARK)} + JSON.stringify({ importMs: imported - start, totalMs, statusCode: response.statusCode, body: response.body });
    process.stdout.write(line + '\\n', () => setTimeout(() => process.exit(0), 100));
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
`;

/** Writes the driver into `dir` (a temporary folder of the caller's) and returns a function that runs one cold start. */
export async function coldStartRunner(
  dir: string,
  env: Readonly<Record<string, string>>,
): Promise<(bundle: string, event: unknown) => Promise<ColdStart>> {
  const driver = path.join(dir, 'driver.mjs');
  await writeFile(driver, DRIVER);
  return (bundle, event) => run(driver, bundle, event, env);
}

async function run(
  driver: string,
  bundle: string,
  event: unknown,
  env: Readonly<Record<string, string>>,
): Promise<ColdStart> {
  // Only the environment given (as a Lambda has only its own): nothing of this shell's AWS or Node settings.
  // The bundle's folder is the task root, as /var/task is on Lambda.
  const taskRoot = path.dirname(bundle);
  const child = spawn(process.execPath, [driver, bundle, JSON.stringify(event)], {
    env: { ...env, LAMBDA_TASK_ROOT: taskRoot },
    cwd: taskRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  }).finally(() => clearTimeout(timer));
  const lines = stdout.split('\n').filter((line) => line !== '');
  const answer = lines.find((line) => line.startsWith(MARK));
  // Anything else printed is what the function would write to its logs on every cold start: a defect.
  const noise = [...lines.filter((line) => line !== answer), ...stderr.split('\n').filter((line) => line !== '')];
  if (code !== 0 || answer === undefined || noise.length > 0) {
    throw new Error(
      `cold start of ${bundle}: exit ${String(code)}${noise.length > 0 ? `, printed:\n${noise.join('\n')}` : ''}`,
    );
  }
  return JSON.parse(answer.slice(MARK.length)) as ColdStart;
}
