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
export async function medianMs(fn: () => unknown, options: { rounds?: number; batch?: number; warmup?: number } = {}): Promise<number> {
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
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

function formatNumber(value: number): string {
  if (Number.isInteger(value) || value >= 100) return value.toFixed(0);
  if (value >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}
