export * from './authorizer-store';
export * from './component-store';
export * from './errors';
export type { Lease, RenewalReason } from './lease';
export { isLeaseAbandoned, isLeaseLive } from './lease';
export * from './schema';
export { Table } from './table';
export { createDocumentClient } from './client';
