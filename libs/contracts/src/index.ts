export * from './envelope';
export * from './record-size';
export * from './topics';
export * from './events';
export * from './institute-key';
export * from './accepted-event';
export * from './resent-bodies';
