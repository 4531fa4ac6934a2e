import { stat } from 'node:fs/promises';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';

export interface Bundle {
  /** The minified CommonJS file Lambda would load (its source map lies beside it). */
  readonly file: string;
  /** Size of that file alone, without the source map. */
  readonly bytes: number;
  readonly metafile: Metafile;
}

/**
 * Bundles one Lambda entry as CDK's NodejsFunction does for this stack (infra/construct.ts): esbuild
 * with bundle, platform node, CommonJS (CDK's default format), minify, a linked source map with the
 * sources inside, and nothing external (the AWS SDK bundled). The target stays CDK's node22: it only
 * decides which syntax is lowered, and its output runs on the Node 20 here (the cold-start benchmark
 * checks each answer).
 */
export async function bundleLambda(entry: string, outDir: string): Promise<Bundle> {
  const file = path.join(outDir, 'index.js');
  const result = await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    sourcemap: true,
    external: [],
    metafile: true,
    logLevel: 'error',
  });
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
