import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ColdStart {
  /** From just before `require(bundle)` to its return: loading and running the module's top level. */
  readonly importMs: number;
  /** From just before `require(bundle)` to the first invocation's resolved answer. */
  readonly totalMs: number;
  readonly statusCode: number;
  readonly body: string;
}

const MARK = 'cold-start ';

// Plain CommonJS, run by a fresh node: nothing of the benchmark's own process (tsx, a warm SDK, a JIT
// that has seen the code) is in it. The answer is printed once, after the handler resolves; the process
// then exits at once rather than waiting for the SDK's keep-alive sockets to close.
const DRIVER = `
const [bundle, eventJson] = process.argv.slice(2);
const event = JSON.parse(eventJson);
const start = performance.now();
const { handler } = require(bundle);
const imported = performance.now();
Promise.resolve(handler(event)).then(
  (response) => {
    const totalMs = performance.now() - start;
    const line = ${JSON.stringify(MARK)} + JSON.stringify({ importMs: imported - start, totalMs, statusCode: response.statusCode, body: response.body });
    process.stdout.write(line + '\\n', () => process.exit(0));
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
  const driver = path.join(dir, 'driver.cjs');
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
  const child = spawn(process.execPath, [driver, bundle, JSON.stringify(event)], {
    env,
    cwd: path.dirname(driver),
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
