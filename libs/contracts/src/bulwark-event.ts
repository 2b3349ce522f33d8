import type { AppPasswordPolicyChanged, PhoneCallSettingsEvent, RegistrationPolicyChanged, SignInLogFieldsChanged } from './mfa-settings.events';
import type { LockoutSettingsChanged, MfaTenantSettingsChanged, RateLimitSettingsChanged, UserMfaEvent } from './mfa.events';
import type { AdminNotificationEvent, NotificationSettingsChanged } from './notifications.events';
import type { OathImportEvent, OathTokenEvent } from './oath-tokens.events';
import type { EventParked } from './parked-events.events';
import type { FraudAlertSettingsChanged, UserProtectionEvent } from './protection.events';
import type { RiskDetectionSettingsChanged, RiskPolicySettingsChanged, UserRiskEvent } from './risk.events';
import type { AuthorizationDenied } from './security-audit.events';
import type { UserSessionsEvent } from './sessions.events';

/**
 * Every event type registered in `eventRegistry` (index.ts), as one discriminated union: type-level only.
 * A contract added to the registry belongs here too, or projections handling it cannot name it.
 */
export type BulwarkEvent =
  | UserMfaEvent
  | MfaTenantSettingsChanged
  | LockoutSettingsChanged
  | RateLimitSettingsChanged
  | PhoneCallSettingsEvent
  | RegistrationPolicyChanged
  | AppPasswordPolicyChanged
  | SignInLogFieldsChanged
  | NotificationSettingsChanged
  | AdminNotificationEvent
  | OathTokenEvent
  | OathImportEvent
  | EventParked
  | FraudAlertSettingsChanged
  | UserProtectionEvent
  | UserRiskEvent
  | RiskDetectionSettingsChanged
  | RiskPolicySettingsChanged
  | AuthorizationDenied
  | UserSessionsEvent;

/** The `type` string of a registered event. */
export type BulwarkEventType = BulwarkEvent['type'];

/** The event (its `type` and `data`) a registered type string names; `never` for a string that names none. */
export type EventOfType<T extends string> = Extract<BulwarkEvent, { type: T }>;
