export * from './absence';
export * from './decide';
export * from './due-repair';
export { fetchListing, type Listing, pagesFor } from './listing';
export * from './sync';
