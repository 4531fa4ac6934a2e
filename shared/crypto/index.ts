export * from './errors';
export * from './message-crypto';
export * from './push';
export * from './xml';
