export * from './ids';
export * from './fixtures';
export * from './test-env';
export * from './wait';
export * from './kafka-reader';
export * from './ports';
export * from './chdb-connection';
