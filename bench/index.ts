// `npm run bench`: every suite's rows in one table. Each row is a ratio against a baseline measured in
// the same run, so that the table holds on a noisy machine; absolute figures are shown for context.
import { formatTable, type BenchRow, type BenchSuite } from './harness';
import { cryptoSuite } from './suites/crypto';
import { syncSuite } from './suites/sync';
import { wechatSuite } from './suites/wechat';

const suites: ReadonlyArray<[string, BenchSuite]> = [
  ['message crypto', cryptoSuite],
  ['WeChat client and simulator', wechatSuite],
  ['sync at 100,000 authorizers', syncSuite],
];

const rows: BenchRow[] = [];
const started = performance.now();
for (const [name, suite] of suites) {
  process.stderr.write(`bench: ${name}…\n`);
  rows.push(...(await suite()));
}
console.log(formatTable(rows));
console.log(`\n${rows.length} rows in ${((performance.now() - started) / 1000).toFixed(1)} s on node ${process.version}`);
