export * from './errors';
export * from './handle-push';
export * from './message-crypto';
export * from './open-push';
export * from './read-push';
export * from './xml';
