/**
 * `wechat-authorizer-tokens/local`: the whole product on loopback for a consumer's integration tests
 * (dynalite, the WeChat simulator, the API and its local-only control routes). See docs/local.md.
 */
export { CONTROL_PREFIXES, isControlPath } from './control.js';
export { ControlInputError, LocalRuntimeError, LocalSettingError, LocalStartError } from './errors.js';
export type { PublishedEvent } from './event-bus.js';
export type { RunRecord } from './runs.js';
export { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from './runtime.js';
export { parseSeedAppIds } from './seed.js';
export type { LocalStatus } from './status.js';
