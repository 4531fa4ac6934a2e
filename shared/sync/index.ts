export * from './absence';
export * from './decide';
export * from './due-repair';
export { fetchListing, pagesFor, type Listing } from './listing';
export * from './sync';
