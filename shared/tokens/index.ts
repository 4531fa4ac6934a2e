export * from './authorization.js';
export * from './authorizer-renewer.js';
export * from './component-token.js';
export * from './errors.js';
export { type CommitOutcome, RenewalConflictError } from './renewal-protocol.js';
export type { RenewalFailure, RenewalResult, ServedToken } from './renewal-result.js';
export * from './trust.js';
