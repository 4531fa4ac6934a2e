export * from './due-renewals';
export * from './on-demand';
export * from './scheduled-run';
