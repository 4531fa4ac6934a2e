export * from './authorizer-renewer';
export * from './authorization';
export * from './component-token';
export * from './errors';
export * from './trust';
export { RenewalConflictError, type CommitOutcome } from './renewal-protocol';
