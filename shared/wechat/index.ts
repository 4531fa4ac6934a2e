export * from './client';
export * from './errors';
export type * from './results';
export type { RetryPolicy } from './retry';
export { DEFAULT_RETRY_POLICY } from './retry';
export type { CallOptions } from './transport';
