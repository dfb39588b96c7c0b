export * from './clickhouse.service';
export * from './quote';
export * from './errors';
export * from './migrations';
export * from './writer';
export * from './batch-sink';
export * from './event-store';
export * from './rebuild';
