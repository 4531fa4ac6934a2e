// `npm run bench`: every suite's rows in one table. Each row is a ratio against a baseline measured in
// the same run, so that the table holds on a noisy machine; absolute figures are shown for context.
// BENCH_ONLY=<name,...> runs some suites only (while working on one).
import { formatTable, type BenchRow, type BenchSuite } from './harness';
import { coldStartSuite } from './suites/cold-start';
import { cryptoSuite } from './suites/crypto';
import { daySuite } from './suites/day';
import { getterSuite } from './suites/getter';
import { syncSuite } from './suites/sync';
import { wechatSuite } from './suites/wechat';

const suites: ReadonlyArray<[string, BenchSuite]> = [
  ['crypto', cryptoSuite],
  ['wechat', wechatSuite],
  ['getter', getterSuite],
  ['cold-start', coldStartSuite],
  ['sync', syncSuite],
  ['day', daySuite],
];

const only = process.env['BENCH_ONLY']?.split(',').map((name) => name.trim());
const unknown = only?.filter((name) => !suites.some(([known]) => known === name)) ?? [];
if (unknown.length > 0) throw new Error(`BENCH_ONLY: no suite ${unknown.join(', ')}; the suites are ${suites.map(([name]) => name).join(', ')}`);

const rows: BenchRow[] = [];
const started = performance.now();
for (const [name, suite] of suites) {
  if (only && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  rows.push(...(await suite()));
}
console.log(formatTable(rows));
console.log(`\n${rows.length} rows in ${((performance.now() - started) / 1000).toFixed(1)} s on node ${process.version}`);
