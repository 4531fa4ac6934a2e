export * from './authorizer-store';
export * from './component-store';
export * from './errors';
export type { Lease, RenewalReason } from './lease';
export { isLeaseAbandoned, isLeaseLive, isStoredTokenTrusted, SUPERSEDED_TOKEN_GRACE_MS, TRUST_WINDOW_MS } from './lease';
export * from './schema';
export { Table } from './table';
export { createDocumentClient } from './client';
export * from './sync-store';
