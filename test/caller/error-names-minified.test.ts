import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// Review of issue 12 ("no behaviour change"): before the refactor, the caller's `TokenServiceError`
// (shared/caller/token-client.ts, the client other backends bundle into their own Lambdas) set
// `this.name = 'TokenServiceError'`; it now takes its name from `new.target.name` (NamedError). The
// product's own bundles set esbuild `keepNames`, but a backend that bundles the client with a plain
// `minify` (its own NodejsFunction settings) now sees the minified class name instead.

const root = fileURLToPath(new URL('../..', import.meta.url));

async function nameInMinifiedBundle(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `import { TokenServiceError } from './shared/caller/token-client';
        export const name = new TokenServiceError(503, 'renewal_in_progress', 'ask again', 1).name;`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    write: false,
    logLevel: 'silent',
    // A bundle as a backend's Lambda has it: everything in, and `require` for the SDK's CommonJS parts.
    banner: { js: "import { createRequire as __rq } from 'node:module'; const require = __rq(import.meta.url);" },
  });
  const dir = await mkdtemp(join(tmpdir(), 'review-names-'));
  try {
    const file = join(dir, 'bundle.mjs');
    await writeFile(file, result.outputFiles[0]?.text ?? '');
    const module = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { name: string };
    return module.name;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('TokenServiceError in a backend that bundles the token client with minify (no keepNames)', () => {
  it('is still named TokenServiceError', async () => {
    expect(await nameInMinifiedBundle()).toBe('TokenServiceError');
  });
});
