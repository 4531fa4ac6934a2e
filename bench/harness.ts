import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';

/** One row of `npm run bench`: a figure and the baseline it is measured against in the same run. */
export interface BenchRow {
  readonly name: string;
  /** What the row measures, e.g. "openPush", with its unit. */
  readonly measured: Figure;
  /** Absent for an absolute goal (a count that should be 0): the ratio column then shows "—". */
  readonly baseline?: Figure | undefined;
  /** The target for measured / baseline, as text ("≤ 1.2×"), or "—" where the row only reports. */
  readonly goal: string;
}

export interface Figure {
  readonly label: string;
  readonly value: number;
  readonly unit: string;
}

export type BenchSuite = () => Promise<BenchRow[]>;

/**
 * Median time per call in milliseconds, over `rounds` rounds of `batch` calls after a warm-up. The
 * median of rounds (not the mean of calls) keeps one GC pause or a busy neighbour from moving a figure.
 */
export async function medianMs(
  fn: () => unknown,
  options: { rounds?: number; batch?: number; warmup?: number } = {},
): Promise<number> {
  const { rounds = 15, batch = 20, warmup = 20 } = options;
  for (let i = 0; i < warmup; i++) await fn();
  const perCall: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) await fn();
    perCall.push((performance.now() - start) / batch);
  }
  perCall.sort((a, b) => a - b);
  return perCall[Math.floor(perCall.length / 2)] ?? Number.NaN;
}

/**
 * Runs two measurements interleaved, several times, and keeps each one's median: on a noisy 2-core
 * machine the ratio of interleaved runs holds where absolute figures do not.
 */
export async function paired(
  measured: () => Promise<number>,
  baseline: () => Promise<number>,
  repeats = 3,
): Promise<{ measured: number; baseline: number }> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < repeats; i++) {
    b.push(await baseline());
    a.push(await measured());
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? Number.NaN;
  return { measured: median(a), baseline: median(b) };
}

export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['row', 'measured', 'baseline', 'ratio', 'goal'];
  const body = rows.map((row) => [
    row.name,
    `${row.measured.label} ${formatNumber(row.measured.value)} ${row.measured.unit}`,
    row.baseline ? `${row.baseline.label} ${formatNumber(row.baseline.value)} ${row.baseline.unit}` : '—',
    row.baseline ? `${(row.measured.value / row.baseline.value).toFixed(2)}×` : '—',
    row.goal,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

function formatNumber(value: number): string {
  if (Number.isInteger(value) || value >= 100) return value.toFixed(0);
  if (value >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/** What a run of `npm run bench` was, for the page it writes. */
export interface BenchRun {
  /** The table, as `formatTable` prints it. */
  readonly table: string;
  readonly rows: number;
  /** Wall clock, the whole run. */
  readonly seconds: number;
  readonly node: string;
  readonly cores: number;
  readonly date: Date;
}

/**
 * What each row measures and what its goal means. Fixed text: the figures are in the table above it,
 * so nothing here names a figure of one run.
 */
const EXPLANATION = `## What the rows measure

- **openPush**: verifying, decrypting and parsing one ticket push (\`shared/push/\`), against a bare
  AES-256-CBC decryption of the same ciphertext. Microseconds against a push every 10 minutes: reported, no goal.
- **client: a 500-authorizer page**: \`WechatComponentClient.getAuthorizerList\` (validation, typed errors,
  retries) against a bare \`fetch\` and \`JSON.parse\` of the same page from the simulator.
- **simulator**: the last page of 100,000 accounts against the last page of 1,000 (paging must not slow
  down with the population), and seeding per account at 100,000 against 10,000 (linear).
- **getter: p50 / p99 latency**: the getter's handler serving a fresh token, 10,000 requests at
  concurrency 16, against a bare consistent \`GetItem\` of the same item; dynalite runs in a child process so
  that DynamoDB's side has the second core.
- **cold start, bundle size**: a fresh Node process importing the getter's \`index.mjs\` as Lambda's nodejs24.x
  runtime does and answering one request, against a minimal \`GetItem\` handler (median of fresh processes);
  both are built with the deployed bundles' settings (ESM, minified, the AWS SDK inside: it is bundled, not
  taken from the runtime, see [deploying](deploying.md)) and run with the stack's and Lambda's environment,
  Tracer on and sending to an X-Ray daemon on loopback.
- **sync**: the first sync of 100,000 accounts (all created: one conditional PutItem each, so write-bound),
  the second with nothing changed, and its paging alone, against the floor of the calls themselves (201
  calls of 30 ms simulated latency at page concurrency 4); the unchanged sync's DynamoDB writes (goal 0). The
  unchanged sync reads and deserializes every stored account while it parses the pages, with the fields the
  two-listing revocation and the due-index repair compare: that Scan is what keeps it above its goal so far.
- **renewal, day**: a simulated 24 hours at 1,000 accounts (\`test/support/day/simulated-day.ts\`): the refresh
  function's own code on the deployed schedule (every minute, 2 racing runs, a 30 s lease), 5 getter requests
  a step, the ticket pushed every 10 minutes through the real callback, the hourly sync, and 4 backends using
  the shipped \`WechatTokenClient\` with its cache (\`test/support/day/callers.ts\`), calling the getter
  in-process. Each caller use checks its token with the simulator at instants spread over the whole minute; a
  dead one is counted, reported (\`reportInvalid\`) as a real backend would after 40001, and the token handed
  back checked again. Tokens killed by the owner's own revocation are counted apart. Renewals are counted
  against the floor (one renewal per token lifetime less the renewal margin: 86,400 / 6,300 a day).
- **schedule**: the refresh every minute against every 5 minutes, one invocation a tick as deployed: the
  invocations, the refresh function's DynamoDB requests (nearly all of the difference is due-index Queries over
  16 shards) over steady-state hours, and the renewals (the same tokens, the same floor).
- **chaos day**: the day, plus -1 on 10 % of all WeChat calls, one minute of 2.5–3 s latency, an out-of-band
  component token (40001), an \`unauthorized\` then \`authorized\` push, a replaced refresh token (61023,
  recovered at once), and runs dying at 0.5 % of their leases and 1 % of their commits (after WeChat answered;
  a dying run dies whole). Early re-renewals come from the doubt dying runs leave: the takeover's token may be
  superseded by the dead holder's request, so it is renewed once more when that doubt is over
  ([the trust window](design/lease-and-trust.md)).

## The goals

A goal is on the ratio (measured / baseline) where the row has a baseline: \`≤ 1.2×\` means the product may
cost at most 20 % more than the floor it is measured against, \`1.00×\` that it must meet the floor. \`0\` is an
absolute count that must be zero (tokens lost, dead tokens served or used, writes of an unchanged sync). \`—\`
means the row only reports; the words after it say why. Ratios hold on a noisy machine where absolute figures
do not: each pair is measured interleaved, in the same run.
`;

/** docs/benchmarks.md: the run's table, and what it means. */
export function benchmarksPage(run: BenchRun): string {
  const minutes = Math.floor(run.seconds / 60);
  const wall =
    minutes > 0 ? `${minutes} min ${Math.round(run.seconds - minutes * 60)} s` : `${run.seconds.toFixed(1)} s`;
  return `# Benchmarks

<!-- Written by \`npm run bench\` (bench/index.ts, text in bench/harness.ts): edits here are overwritten. -->

\`npm run bench\` measures every figure against a baseline measured in the same run, and writes this page.
\`BENCH_ONLY=getter,day npm run bench\` runs some suites only (\`crypto\`, \`wechat\`, \`getter\`,
\`cold-start\`, \`sync\`, \`day\`), and prints their rows without writing this page.

This run: ${run.rows} rows in ${wall} (wall clock), Node ${run.node}, ${run.cores} cores, ${run.date.toISOString().slice(0, 10)}.

${run.table}

${EXPLANATION}`;
}

export async function writeBenchmarksPage(file: string, run: BenchRun): Promise<void> {
  await writeFile(file, benchmarksPage(run), 'utf8');
}

/**
 * Runs the suites (all, or those `only` names), prints the table, and, when every suite ran, writes
 * the page to `pageFile`: a partial run never replaces the full table.
 */
export async function runBench(options: {
  readonly suites: ReadonlyArray<readonly [string, BenchSuite]>;
  readonly only?: readonly string[] | undefined;
  readonly pageFile: string;
  readonly print?: (line: string) => void;
  readonly progress?: (line: string) => void;
}): Promise<BenchRow[]> {
  const { suites, only } = options;
  const print = options.print ?? ((line: string) => console.log(line));
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const unknown = only?.filter((name) => !suites.some(([known]) => known === name)) ?? [];
  if (unknown.length > 0)
    throw new Error(
      `BENCH_ONLY: no suite ${unknown.join(', ')}; the suites are ${suites.map(([name]) => name).join(', ')}`,
    );
  const rows: BenchRow[] = [];
  const started = performance.now();
  for (const [name, suite] of suites) {
    if (only && !only.includes(name)) continue;
    progress(`bench: ${name}…`);
    rows.push(...(await suite()));
  }
  const seconds = (performance.now() - started) / 1000;
  const table = formatTable(rows);
  print(table);
  print(`\n${rows.length} rows in ${seconds.toFixed(1)} s on node ${process.version}`);
  if (only) {
    progress(`bench: BENCH_ONLY run, ${options.pageFile} left as it was`);
  } else {
    await writeBenchmarksPage(options.pageFile, {
      table,
      rows: rows.length,
      seconds,
      node: process.version,
      cores: availableParallelism(),
      date: new Date(),
    });
    progress(`bench: wrote ${options.pageFile}`);
  }
  return rows;
}
