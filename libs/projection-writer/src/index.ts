export * from './writer';
export * from './batch-sink';
