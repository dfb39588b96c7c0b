export * from './access-log';
export * from './logger';
export * from './metrics';
export * from './nest-logger';
