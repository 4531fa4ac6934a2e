export * from './absence.js';
export * from './decide.js';
export * from './due-repair.js';
export * from './info-refresh.js';
export { fetchListing, type Listing, pagesFor } from './listing.js';
export * from './sync.js';
