import { describe, expect, it } from 'vitest';
import { FUNCTION_RUNTIME } from '../../infra/function.js';
import { BUNDLE_TARGET } from '../../scripts/bundle-functions.js';

/** The Node major of a Lambda runtime name (`nodejs24.x` → 24). */
function majorOf(runtimeName: string): number {
  const major = /^nodejs(\d+)\.x$/.exec(runtimeName)?.[1];
  if (major === undefined) throw new TypeError(`not a Node.js runtime: ${runtimeName}`);
  return Number(major);
}

describe('the runtime the functions deploy on', () => {
  it('is nodejs24.x, the newest Node.js runtime of aws-cdk-lib 2.276', () => {
    expect(FUNCTION_RUNTIME.name).toBe('nodejs24.x');
  });

  it('is the Node major these tests run on (the node devDependency puts it on PATH)', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(majorOf(FUNCTION_RUNTIME.name));
  });

  it('is the major the bundles are built for', () => {
    expect(BUNDLE_TARGET).toBe(`node${majorOf(FUNCTION_RUNTIME.name)}`);
  });
});
