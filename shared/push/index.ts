export * from './admit-push.js';
export * from './errors.js';
export * from './handle-push.js';
export * from './message-crypto.js';
export * from './open-push.js';
export * from './read-push.js';
export * from './xml.js';
