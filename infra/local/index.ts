/**
 * `wechat-authorizer-tokens/local`: the whole product on loopback for a consumer's integration tests
 * (dynalite, the WeChat simulator, the API and its local-only control routes). See docs/local.md.
 */
export { LocalRuntimeError, LocalStartError } from './errors.js';
export { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from './runtime.js';
