export * from './kafka-connection';
export * from './batch-publisher';
export * from './batch-consumer';
export * from './consumer-lag';
export * from './record-limits';
