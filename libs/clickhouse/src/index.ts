export * from './connection';
export * from './clickhouse.service';
export * from './quote';
export * from './raw-tables';
export * from './errors';
export * from './migration-files';
export * from './migrations';
export * from './cluster-ddl';
