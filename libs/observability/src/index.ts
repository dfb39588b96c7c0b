export * from './access-log';
export * from './logger';
export * from './metrics';
