import { mfaContracts } from './mfa.events';
import { EventRegistry } from './registry';
import { sessionsContracts } from './sessions.events';

export * from './envelope';
export * from './registry';
export * from './mfa.events';
export * from './sessions.events';
export * from './streams';

/** Every event type Bulwark stores. */
export const eventRegistry = new EventRegistry([...mfaContracts, ...sessionsContracts]);
export * from './domain-error';
