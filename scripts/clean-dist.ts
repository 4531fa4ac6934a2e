// Removes what tsc compiled into dist/ before it compiles again, so that a source deleted or moved leaves
// no stale module in the package. dist/bundles stays: suites running at once synthesize from it, and
// scripts/bundle-functions.ts replaces its files in place.
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');

await Promise.all(
  ['shared', 'functions', 'infra', 'simulator', 'types'].map((folder) =>
    rm(path.join(dist, folder), { recursive: true, force: true }),
  ),
);
