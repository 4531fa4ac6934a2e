export * from './due-renewals.js';
export * from './on-demand.js';
export * from './scheduled-run.js';
