// vitest's global setup: the construct deploys the functions from their pre-built bundles
// (infra/function.ts), so every suite that synthesizes needs them built first. Only the esbuild
// bundles, a few seconds; unchanged files are left as they are.
import { bundleFunctions } from '../../scripts/bundle-functions.js';

export default async function setup(): Promise<void> {
  await bundleFunctions();
}
