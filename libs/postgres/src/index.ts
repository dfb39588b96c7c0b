export * from './postgres';
export * from './migrations';
export * from './institutes.repository';
