// The cold-start benchmark measures the bundle that is deployed: its bundler is the deployed bundles'
// settings, not a second copy of them.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleLambda } from '../../bench/support/bundle.js';
import { BUNDLES_DIR } from '../../scripts/bundle-functions.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe("the bench's bundle of a function", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'bench-bundle-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('is an index.mjs byte for byte the getter bundle the construct deploys (built by the global setup)', async () => {
    const bundle = await bundleLambda(join(root, 'functions/getter/handler.ts'), join(folder, 'getter'));
    expect(bundle.file).toBe(join(folder, 'getter', 'index.mjs'));
    const deployed = await readFile(join(BUNDLES_DIR, 'getter', 'index.mjs'));
    expect(bundle.bytes).toBe(deployed.byteLength);
    expect((await readFile(bundle.file)).equals(deployed)).toBe(true);
  }, 60_000);
});
