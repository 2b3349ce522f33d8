/** Stream names are `category-id` with a snake_case category: EventStoreDB takes the category up to the first `-`. */
export const streams = {
  userMfa: (userId: string) => `user_mfa-${userId}`,
  userSessions: (userId: string) => `user_sessions-${userId}`,
  userProtection: (userId: string) => `user_protection-${userId}`,
  lockoutSettings: 'mfa_settings-lockout',
  rateLimitSettings: 'mfa_settings-rate_limits',
  tenantSettings: 'mfa_settings-tenant',
  phoneCallSettings: 'mfa_settings-phone_call',
  registrationPolicy: 'mfa_settings-registration',
  appPasswordPolicy: 'mfa_settings-app_passwords',
  signInLogFields: 'mfa_settings-sign_in_log_fields',
  fraudAlertSettings: 'protection_settings-fraud',
  userRisk: (userId: string) => `user_risk-${userId}`,
  riskDetectionSettings: 'risk_settings-detection',
  riskPolicySettings: 'risk_settings-policy',
  notificationSettings: 'protection_settings-notifications',
  /** the deliveries of the admin notifications one event triggered */
  adminNotifications: (triggerEventId: string) => `admin_notifications-${triggerEventId}`,
  oathToken: (tokenId: string) => `oath_token-${tokenId}`,
  oathImport: (importId: string) => `oath_import-${importId}`,
  /** events an operator parked so that consumers go on past them (npm run events:park) */
  parkedEvents: 'parked_events-store',
  /** refused command routes (AuthorizationDenied), one stream a day: `day` is yyyy-mm-dd */
  securityAudit: (day: string) => `security_audit-${day}`,
} as const;

/** The Kafka topic that carries every committed domain event, keyed by user. */
export const EVENTS_TOPIC = 'bulwark.events.v1';

/** The partition key of an event: its user when it has one, else its stream, so each user's events stay in order. */
export function partitionKeyOf(event: { streamId: string; data: Record<string, unknown> }): string {
  return typeof event.data.userId === 'string' ? event.data.userId : event.streamId;
}
