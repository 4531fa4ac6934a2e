export * from './authorizer-renewer';
export * from './component-token';
export * from './errors';
export * from './scheduled-refresh';
