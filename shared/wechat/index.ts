export * from './client.js';
export * from './errors.js';
export type * from './results.js';
export type { RetryPolicy } from './retry.js';
export { DEFAULT_RETRY_POLICY } from './retry.js';
export type { CallOptions } from './transport.js';
