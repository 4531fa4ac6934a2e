export * from './authorization';
export * from './authorizer-renewer';
export * from './component-token';
export * from './errors';
export { type CommitOutcome, RenewalConflictError } from './renewal-protocol';
export * from './trust';
