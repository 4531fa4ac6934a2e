import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BenchRow, type BenchSuite, benchmarksPage, runBench } from '../../bench/harness.js';

const fakeRows: BenchRow[] = [
  {
    name: 'fake: a figure against its floor',
    measured: { label: 'product', value: 12, unit: 'ms' },
    baseline: { label: 'floor', value: 10, unit: 'ms' },
    goal: '≤ 1.5×',
  },
  { name: 'fake: a count', measured: { label: 'lost', value: 0, unit: '' }, goal: '0' },
];
const fakeSuite: BenchSuite = async () => fakeRows;

describe('npm run bench writes docs/benchmarks.md', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'bench-page-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('a full run writes the page: the table, the run, what the rows and goals mean', async () => {
    const pageFile = join(folder, 'benchmarks.md');
    const printed: string[] = [];
    await runBench({
      suites: [['fake', fakeSuite]],
      pageFile,
      print: (line) => printed.push(line),
      progress: () => {},
    });
    const page = await readFile(pageFile, 'utf8');
    expect(page.startsWith('# Benchmarks\n')).toBe(true);
    expect(page).toContain('| fake: a figure against its floor | product 12 ms');
    expect(page).toContain('| 1.20×');
    expect(page).toMatch(/This run: 2 rows in [\d.]+ s \(wall clock\), Node v\d+/);
    expect(page).toContain('## What the rows measure');
    expect(page).toContain('## The goals');
    // The page holds the very table the run printed.
    expect(page).toContain(printed[0] ?? '(nothing printed)');
  });

  it('a BENCH_ONLY run prints its rows and leaves the page alone', async () => {
    const pageFile = join(folder, 'benchmarks.md');
    const printed: string[] = [];
    await runBench({
      suites: [['fake', fakeSuite]],
      only: ['fake'],
      pageFile,
      print: (line) => printed.push(line),
      progress: () => {},
    });
    expect(printed[0]).toContain('fake: a count');
    await expect(stat(pageFile)).rejects.toThrow();
  });

  it('refuses a BENCH_ONLY name it does not know', async () => {
    await expect(
      runBench({
        suites: [['fake', fakeSuite]],
        only: ['nope'],
        pageFile: join(folder, 'x.md'),
        print: () => {},
        progress: () => {},
      }),
    ).rejects.toThrow(/no suite nope/);
  });

  it('gives the wall clock in minutes and seconds for a long run', () => {
    const page = benchmarksPage({
      table: '| row |',
      rows: 30,
      seconds: 510,
      node: 'v20.20.2',
      cores: 2,
      date: new Date('2026-12-01T22:33:59Z'),
    });
    expect(page).toContain('This run: 30 rows in 8 min 30 s (wall clock), Node v20.20.2, 2 cores, 2026-12-01.');
  });
});
