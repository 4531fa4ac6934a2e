// The CommonJS build of the three exports entries, next to tsc's ES modules: dist/cjs/<path>.cjs with a
// .d.cts beside each, for the `require` condition of package.json's exports. A CDK app made by today's
// `cdk init` is CommonJS, and its jest cannot load an ES module through require(); Node before 20.19 cannot
// either. Run by `npm run build` after tsc, whose .d.ts tree it copies.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
export const CJS_DIR = path.join(dist, 'cjs');

/** The sources of package.json's exports entries (`./construct`, `./client`, `./local`). */
export const ENTRY_SOURCES = ['infra/index.ts', 'shared/caller/token-client.ts', 'infra/local/index.ts'] as const;

/** The Node major a consumer's app may run on (package.json's engines): the CommonJS output's target. */
const CONSUMER_TARGET = 'node20';

/**
 * One output file per source module, every import left to Node: relative ones point at the sibling .cjs,
 * packages (aws-cdk-lib, constructs, the SDK) stay the consumer's own. One module per file rather than
 * one bundle per entry, so that an app requiring both /construct and /local loads each of our classes once.
 */
const relativeToCjs: Plugin = {
  name: 'relative-imports-to-cjs',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\.?\// }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: args.path.replace(/\.js$/, '.cjs'), external: true },
    );
  },
};

const CJS_OPTIONS = {
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'cjs',
  target: CONSUMER_TARGET,
  // Errors are named after their classes at run time (shared/errors.ts).
  keepNames: true,
  outExtension: { '.js': '.cjs' },
  // infra/function.ts finds the package's root from its own file: import.meta.url is empty in CommonJS.
  define: { 'import.meta.url': '__importMetaUrl' },
  // "use strict" first: after the banner's statement esbuild's own would no longer be a directive.
  banner: { js: "'use strict';\nconst __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  // The optional local peers (`import('dynalite')`) loaded by require(): jest's CommonJS runtime has no
  // dynamic import() without --experimental-vm-modules, and every one of them is CommonJS.
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** The source modules the entries reach, packages aside: each becomes one .cjs file. */
async function reachableSources(): Promise<string[]> {
  const { metafile } = await build({
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    entryPoints: ENTRY_SOURCES.map((source) => path.join(root, source)),
    outdir: path.join(dist, 'unused'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(metafile.inputs).filter((input) => input.endsWith('.ts'));
}

/** A relative specifier of a declaration file, `./x.js` → `./x.cjs`, in imports, exports and import types. */
export function toCjsDeclaration(source: string): string {
  return source.replace(/((?:from|import)\s*\(?\s*)(['"])(\.\.?\/[^'"]*?)\.js\2/g, '$1$2$3.cjs$2');
}

async function declarationFiles(directory: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const file = path.join(directory, entry.name);
    if (entry.isDirectory()) found.push(...(await declarationFiles(file)));
    else if (entry.name.endsWith('.d.ts')) found.push(file);
  }
  return found;
}

/**
 * A .d.cts for each of tsc's .d.ts (type-only modules included: esbuild emits no file for them, and a
 * declaration may import them), its relative specifiers naming the .cjs files.
 */
async function writeDeclarations(): Promise<void> {
  for (const emitted of await declarationFiles(dist)) {
    const relative = path.relative(dist, emitted);
    if (relative.startsWith(`cjs${path.sep}`) || relative.startsWith(`bundles${path.sep}`)) continue;
    const target = path.join(CJS_DIR, relative.replace(/\.d\.ts$/, '.d.cts'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, toCjsDeclaration(await readFile(emitted, 'utf8')));
  }
}

export async function buildCjs(): Promise<number> {
  const sources = await reachableSources();
  await rm(CJS_DIR, { recursive: true, force: true });
  await build({
    ...CJS_OPTIONS,
    entryPoints: sources.map((source) => path.join(root, source)),
    outbase: root,
    outdir: CJS_DIR,
    plugins: [relativeToCjs],
  });
  await writeDeclarations();
  return sources.length;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const modules = await buildCjs();
  console.log(`dist/cjs  ${modules} CommonJS modules`);
}
