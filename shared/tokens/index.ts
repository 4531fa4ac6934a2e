export * from './authorization.js';
export * from './authorizer-renewer.js';
export * from './component-token.js';
export * from './errors.js';
export { type CommitOutcome, RenewalConflictError } from './renewal-protocol.js';
export * from './trust.js';
