// `npm run bench`: every suite's rows in one table, printed and written to docs/benchmarks.md. Each row
// is a ratio against a baseline measured in the same run, so that the table holds on a noisy machine;
// absolute figures are shown for context. BENCH_ONLY=<name,...> runs some suites only (while working on
// one) and leaves docs/benchmarks.md as it was.
import { fileURLToPath } from 'node:url';
import { type BenchSuite, runBench } from './harness.js';
import { coldStartSuite } from './suites/cold-start.js';
import { cryptoSuite } from './suites/crypto.js';
import { daySuite } from './suites/day.js';
import { getterSuite } from './suites/getter.js';
import { syncSuite } from './suites/sync.js';
import { wechatSuite } from './suites/wechat.js';

const suites: ReadonlyArray<readonly [string, BenchSuite]> = [
  ['crypto', cryptoSuite],
  ['wechat', wechatSuite],
  ['getter', getterSuite],
  ['cold-start', coldStartSuite],
  ['sync', syncSuite],
  ['day', daySuite],
];

await runBench({
  suites,
  only: process.env['BENCH_ONLY']?.split(',').map((name) => name.trim()),
  pageFile: fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url)),
});
