export * from './tables';
export * from './keys';
export * from './touched';
export * from './versions';
export * from './serving-refresh';
export * from './institute-settings';
export * from './coalesced-refresh';
export * from './round';
