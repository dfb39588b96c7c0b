export * from './serving-tables';
export * from './keys';
export * from './touched';
export * from './versions';
export * from './serving-refresh';
export * from './institute-settings';
export * from './round';
export * from './purge';
