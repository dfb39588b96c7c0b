export * from './kafka-connection';
export * from './kafka-client-config';
export { KafkaConnectFailed } from './connection-hint';
export * from './topic-health';
export * from './batch-publisher';
export * from './batch-consumer';
export * from './consumer-lag';
export * from './record-limits';
