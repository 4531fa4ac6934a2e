export * from './decide';
export { fetchListing, pagesFor, type Listing } from './listing';
export * from './sync';
