export * from './connection';
export * from './clickhouse.service';
export * from './quote';
export * from './errors';
export * from './migrations';
export * from './cluster-ddl';
