import { stat } from 'node:fs/promises';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { BUNDLE_OPTIONS } from '../../scripts/bundle-functions.js';

export interface Bundle {
  /** The minified ESM file Lambda would load, `index.mjs` (its source map lies beside it). */
  readonly file: string;
  /** Size of that file alone, without the source map. */
  readonly bytes: number;
  readonly metafile: Metafile;
}

/**
 * Bundles one Lambda entry with the very settings of the deployed bundles (BUNDLE_OPTIONS of
 * scripts/bundle-functions.ts: ESM `index.mjs` with its createRequire banner, the runtime's node24 target,
 * minify, keepNames, a source map, nothing external, so the AWS SDK inside). Only the entry and the output
 * folder are the bench's own; the metafile is kept for heaviestInputs.
 */
export async function bundleLambda(entry: string, outDir: string): Promise<Bundle> {
  const result = await build({
    ...BUNDLE_OPTIONS,
    entryPoints: { index: entry },
    outdir: outDir,
    metafile: true,
  });
  const file = path.join(outDir, 'index.mjs');
  return { file, bytes: (await stat(file)).size, metafile: result.metafile };
}

/** The inputs that weigh most in a bundle's output, grouped by package (or by source folder for our code). */
export function heaviestInputs(metafile: Metafile, count: number): Array<{ name: string; bytes: number }> {
  const output = Object.values(metafile.outputs).find((candidate) => candidate.entryPoint !== undefined);
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(input);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

function packageOf(input: string): string {
  // The innermost node_modules: a copy nested inside another package is counted as itself.
  return [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1)?.[1] ?? path.dirname(input);
}
