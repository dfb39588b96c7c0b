export * from './rebuild';
export * from './rebuild-fence';
export * from './rebuild-state';
export * from './rebuild-swap';
