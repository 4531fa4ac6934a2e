// Pre-bundles the Lambdas into dist/bundles/<name>/index.mjs: what the construct deploys with
// `lambda.Code.fromAsset`, so that a consumer's synth needs neither this package's lock file nor esbuild.
// Run by `npm run build`, by cdk.json's app command before a synth, and by vitest's global setup.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

export const FUNCTION_NAMES = ['sync', 'refresh', 'getter', 'callback', 'onboarding', 'events'] as const;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLES_DIR = path.join(root, 'dist', 'bundles');

/** The Lambda runtime's Node major, as esbuild names it (infra/function.ts deploys nodejs24.x). */
export const BUNDLE_TARGET = 'node24';

/**
 * The esbuild settings of every function bundle. The AWS SDK is bundled (tree-shaken, pinned to our lock
 * file) rather than taken from the runtime: see the README for the cold-start measurement behind this
 * choice. ESM, so that the SDK's ES builds are tree-shaken; the banner gives the CommonJS parts some
 * dependencies still have a `require` for Node's built-ins.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: BUNDLE_TARGET,
  mainFields: ['module', 'main'],
  minify: true,
  // The map ships beside the bundle, to decode a stack trace offline (`node --enable-source-maps` is not
  // set on Lambda: no log line carries a stack, and loading the map cost every cold start about 20 ms).
  // The sources' text, two thirds of each map, is left out: it made each asset 3.6-4.2 MB.
  sourcemap: true,
  sourcesContent: false,
  // Errors are named after their classes at run time (shared/errors.ts): minified, they would not be.
  keepNames: true,
  external: [],
  outExtension: { '.js': '.mjs' },
  banner: {
    js: "import { createRequire as __cjsRequire } from 'node:module'; const require = __cjsRequire(import.meta.url);",
  },
  logLevel: 'warning',
} as const satisfies BuildOptions;

export interface BundleFigure {
  readonly name: (typeof FUNCTION_NAMES)[number];
  readonly bytes: number;
}

/**
 * Builds every function's bundle. Each output file is replaced atomically (a temporary file renamed over it)
 * and only when its bytes changed: suites and synths running at once may build and read concurrently,
 * and an unchanged bundle keeps its asset hash and its mtime.
 */
export async function bundleFunctions(outDir = BUNDLES_DIR): Promise<BundleFigure[]> {
  const result = await build({
    ...BUNDLE_OPTIONS,
    entryPoints: Object.fromEntries(
      FUNCTION_NAMES.map((name) => [`${name}/index`, path.join(root, 'functions', name, 'handler.ts')]),
    ),
    outdir: outDir,
    write: false,
  });
  const figures: BundleFigure[] = [];
  for (const file of result.outputFiles) {
    await replaceIfChanged(file.path, file.contents);
    const name = FUNCTION_NAMES.find((candidate) => file.path === path.join(outDir, candidate, 'index.mjs'));
    if (name) figures.push({ name, bytes: file.contents.byteLength });
  }
  return figures;
}

async function replaceIfChanged(file: string, contents: Uint8Array): Promise<void> {
  const existing = await readFile(file).catch(() => undefined);
  if (existing?.equals(contents)) return;
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, file);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const figures = await bundleFunctions();
  // cdk.json's app command builds them quietly before each synth.
  for (const { name, bytes } of process.argv.includes('--quiet') ? [] : figures) {
    console.log(`dist/bundles/${name}/index.mjs  ${(bytes / 1024).toFixed(0)} KB`);
  }
}
