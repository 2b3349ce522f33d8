import { mfaContracts } from './mfa.events';
import { notificationContracts } from './notifications.events';
import { mfaSettingsContracts } from './mfa-settings.events';
import { oathTokenContracts } from './oath-tokens.events';
import { parkedEventContracts } from './parked-events.events';
import { protectionContracts } from './protection.events';
import { riskContracts } from './risk.events';
import { securityAuditContracts } from './security-audit.events';
import { EventRegistry } from './registry';
import { sessionsContracts } from './sessions.events';

export * from './envelope';
export * from './registry';
export type * from './bulwark-event';
export * from './upcasting';
export * from './mfa.events';
export * from './notifications.events';
export * from './mfa-settings.events';
export * from './oath-tokens.events';
export * from './parked-events.events';
export * from './protection.events';
export * from './risk.events';
export * from './security-audit.events';
export * from './sessions.events';
export * from './streams';

/** Every event type Bulwark stores. */
export const eventRegistry = new EventRegistry([...mfaContracts, ...mfaSettingsContracts, ...oathTokenContracts, ...protectionContracts, ...sessionsContracts, ...riskContracts, ...notificationContracts, ...parkedEventContracts, ...securityAuditContracts]);
export * from './domain-error';
export * from './fraud-alert-settings';
