export * from './allow-list.js';
export * from './codes.js';
export * from './complete.js';
export type * from './deps.js';
export * from './errors.js';
export * from './link.js';
export * from './session-request.js';
export * from './start.js';
