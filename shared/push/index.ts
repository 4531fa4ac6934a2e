export * from './errors';
export * from './message-crypto';
export * from './open-push';
export * from './xml';
