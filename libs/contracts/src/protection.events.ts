import { z } from 'zod';
import { EventContract } from './registry';

/**
 * A user's protection stream (`user_protection-<userId>`), written by identity-protection: admin blocks.
 * The mfa service reads it (never a projection of it) when it judges a sign-in.
 */
const userId = z.string().min(1).max(256);
const at = z.iso.datetime();

export const userBlocked = z.object({ userId, reason: z.string().min(1).max(500), blockedUntil: at, at });
export const userUnblocked = z.object({ userId, reason: z.string().min(1).max(500), at });

/** The tenant's fraud alert settings (stream `protection_settings-fraud`), read by mfa and identity-protection. */
export const fraudAlertSettingsChanged = z.object({
  reportSuspiciousActivity: z.enum(['enabled', 'disabled']),
  /** the digit a user presses, then #, on a voice call to report fraud */
  voiceReportingCode: z.string().regex(/^[0-9]$/),
  autoBlockOnFraud: z.boolean(),
  version: z.number().int().positive(),
  at,
});

export type FraudAlertSettingsChanged = { type: 'FraudAlertSettingsChanged'; data: z.infer<typeof fraudAlertSettingsChanged> };
export type UserBlocked = { type: 'UserBlocked'; data: z.infer<typeof userBlocked> };
export type UserUnblocked = { type: 'UserUnblocked'; data: z.infer<typeof userUnblocked> };
export type UserProtectionEvent = UserBlocked | UserUnblocked;

export const protectionContracts: EventContract[] = [
  { type: 'UserBlocked', schemaVersion: 1, schema: userBlocked },
  { type: 'UserUnblocked', schemaVersion: 1, schema: userUnblocked },
  { type: 'FraudAlertSettingsChanged', schemaVersion: 1, schema: fraudAlertSettingsChanged },
];
