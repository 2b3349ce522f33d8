export * from './event-store.port';
export * from './sqlite-event-store';
export * from './subscription';
export * from './progress';
export * from './command-handler';
export * from './projection';
export * from './eventstoredb-event-store';
export * from './create-event-store';
