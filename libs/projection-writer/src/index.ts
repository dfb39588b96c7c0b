export * from './retry-in-place';
export * from './writer';
export * from './group-commit';
export * from './group-writer';
export * from './batch-sink';
