export * from './event-store.port';
export * from './sqlite-event-store';
export * from './subscription';
export * from './command-handler';
export * from './projection';
