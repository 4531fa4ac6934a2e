// The package's `./construct` entry (package.json `exports`): the construct, its stack, props and types,
// and the errors a consumer's synth may meet. What construct.ts exports is exported as it is, so that
// the entry cannot fall behind it.
export * from './construct.js';
export * from './errors.js';
export { FUNCTION_RUNTIME, MissingBundleError } from './function.js';
export * from './stack.js';
