export * from './postgres';
export * from './migrations';
export * from './roles';
export * from './institutes.repository';
export * from './quarantine-replays.repository';
export * from './event-generations.repository';
