export * from './rebuild';
export * from './projector-idle';
