import { z } from 'zod';
import { EventContract } from './registry';

/**
 * A user's risk stream (`user_risk-<userId>`), written by identity-protection: detections, an analyst's triage and
 * the risk policy's remediation requests. The sessions and mfa services react to `RiskRemediationRequested`.
 * Who acted (a role's key, or a service) is in the event's metadata, never in its data.
 */
const userId = z.string().min(1).max(256);
const id = z.string().min(1).max(200);
const at = z.iso.datetime();
const eventId = z.uuid();

export const riskLevel = z.enum(['low', 'medium', 'high']);
export type RiskLevel = z.infer<typeof riskLevel>;
export const remediationAction = z.enum(['block', 'revokeSessions', 'requireReregistration']);
export type RemediationAction = z.infer<typeof remediationAction>;

export const riskDetected = z.object({
  /** derived from the events that caused it, so a reaction that runs twice records it once */
  detectionId: id,
  userId,
  /** Entra's riskEventType: a camelCase string (userReportedSuspiciousActivity, mfaFatigue, mfaSpray, repeatedLockouts) */
  riskEventType: z.string().regex(/^[a-z][A-Za-z0-9]{1,99}$/),
  riskLevel,
  detectionTimingType: z.enum(['realtime', 'nearRealtime', 'offline']),
  /** Graph's riskDetection.source: endUserReported, IdentityProtection, … */
  source: z.string().min(1).max(100),
  activity: z.enum(['signin', 'user']),
  ipAddress: z.string().min(1).max(64).optional(),
  /** the events that caused the detection */
  eventIds: z.array(eventId).min(1).max(500),
  /** Graph's requestId (the challenge of a reported sign-in) */
  requestId: id.optional(),
  /** a sentence for people: why this was detected */
  detail: z.string().max(1000).optional(),
  /** extra key/values for riskDetection.additionalInfo (never a secret) */
  additionalInfo: z.record(z.string().max(100), z.union([z.string().max(1000), z.number()])).optional(),
  /** when the risky activity happened (defaults to `at`) */
  activityAt: at.optional(),
  at,
});

export const riskyUserConfirmedCompromised = z.object({ userId, at });
export const riskyUserConfirmedSafe = z.object({ userId, at });
export const riskyUserDismissed = z.object({ userId, at });

export const riskRemediationRequested = z.object({
  userId,
  actions: z.array(remediationAction).min(1).max(3),
  /** the policy is in report-only mode: this records what it would have done, and nothing is done */
  reportOnly: z.boolean(),
  /** the latest detection of the user when the policy was evaluated */
  detectionId: id,
  riskLevel: z.enum(['medium', 'high']),
  /** the event the policy was evaluated on (a RiskDetected or RiskyUserConfirmedCompromised): evaluated once per event */
  triggerEventId: eventId,
  policyVersion: z.number().int().nonnegative(),
  at,
});

const detector = {
  enabled: z.boolean(),
  windowMinutes: z.number().int().min(1).max(1440),
  riskLevel,
};
/** The thresholds of the detections identity-protection derives from the event stream (stream `risk_settings-detection`). */
export const riskDetectionSettings = z.strictObject({
  /** push denials or push timeouts for one user */
  mfaFatigue: z.strictObject({ ...detector, threshold: z.number().int().min(2).max(1000) }),
  /** MFA denials across distinct users from one client IP */
  mfaSpray: z.strictObject({ ...detector, distinctUsers: z.number().int().min(2).max(10_000) }),
  /** lockouts of one user */
  repeatedLockouts: z.strictObject({ ...detector, threshold: z.number().int().min(2).max(1000) }),
});
export type RiskDetectionSettings = z.infer<typeof riskDetectionSettings>;
export const riskDetectionSettingsChanged = riskDetectionSettings.extend({ version: z.number().int().positive(), at });

export const riskPolicyMode = z.enum(['enabled', 'reportOnly', 'disabled']);
/** What the risk policy does for a user at medium or high risk (stream `risk_settings-policy`). */
export const riskPolicySettings = z.strictObject({
  mode: riskPolicyMode,
  medium: z.array(remediationAction).max(3),
  high: z.array(remediationAction).max(3),
});
export type RiskPolicySettings = z.infer<typeof riskPolicySettings>;
export const riskPolicySettingsChanged = riskPolicySettings.extend({ version: z.number().int().positive(), at });

export type RiskDetected = { type: 'RiskDetected'; data: z.infer<typeof riskDetected> };
export type RiskyUserConfirmedCompromised = { type: 'RiskyUserConfirmedCompromised'; data: z.infer<typeof riskyUserConfirmedCompromised> };
export type RiskyUserConfirmedSafe = { type: 'RiskyUserConfirmedSafe'; data: z.infer<typeof riskyUserConfirmedSafe> };
export type RiskyUserDismissed = { type: 'RiskyUserDismissed'; data: z.infer<typeof riskyUserDismissed> };
export type RiskRemediationRequested = { type: 'RiskRemediationRequested'; data: z.infer<typeof riskRemediationRequested> };
export type RiskDetectionSettingsChanged = { type: 'RiskDetectionSettingsChanged'; data: z.infer<typeof riskDetectionSettingsChanged> };
export type RiskPolicySettingsChanged = { type: 'RiskPolicySettingsChanged'; data: z.infer<typeof riskPolicySettingsChanged> };
export type UserRiskEvent = RiskDetected | RiskyUserConfirmedCompromised | RiskyUserConfirmedSafe | RiskyUserDismissed | RiskRemediationRequested;

export const riskContracts: EventContract[] = [
  { type: 'RiskDetected', schemaVersion: 1, schema: riskDetected },
  { type: 'RiskyUserConfirmedCompromised', schemaVersion: 1, schema: riskyUserConfirmedCompromised },
  { type: 'RiskyUserConfirmedSafe', schemaVersion: 1, schema: riskyUserConfirmedSafe },
  { type: 'RiskyUserDismissed', schemaVersion: 1, schema: riskyUserDismissed },
  { type: 'RiskRemediationRequested', schemaVersion: 1, schema: riskRemediationRequested },
  { type: 'RiskDetectionSettingsChanged', schemaVersion: 1, schema: riskDetectionSettingsChanged },
  { type: 'RiskPolicySettingsChanged', schemaVersion: 1, schema: riskPolicySettingsChanged },
];
