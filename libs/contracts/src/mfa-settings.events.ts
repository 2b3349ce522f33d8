import { z } from 'zod';
import { EventContract } from './registry';

/**
 * The remaining MFA service settings (streams `mfa_settings-*`), written only by the mfa service: phone call
 * settings with their custom voice messages, the registration policy, the app-password policy, and which optional
 * fields a sign-in records.
 */

const at = z.iso.datetime();
const version = z.number().int().positive();
const id = z.string().min(1).max(200);

/** Entra's custom voice message types. */
export const voiceMessageType = z.enum([
  'authenticationSucceeded',
  'extensionGreeting',
  'fraudConfirmation',
  'fraudGreeting',
  'fraudReported',
  'activation',
  'authenticationDenied',
  'retry',
  'greeting',
  'greetingPin',
  'fraudGreetingPin',
  'retryPin',
  'extensionPrompt',
  'activationGreeting',
  'activationRetry',
  'activationGreetingPin',
  'extensionAnnouncement',
]);
export type VoiceMessageType = z.infer<typeof voiceMessageType>;

/** A BCP 47 tag as the phone provider takes it: a language, an optional script, an optional region ("en", "en-US", "zh-Hant-TW"). */
export const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?$/;
export const languageTag = z.string().regex(LANGUAGE_TAG, 'a language is a BCP 47 tag such as en-US');

/** Entra takes only US numbers as the caller ID: +1 and ten digits. */
export const US_CALLER_ID = /^\+1[2-9]\d{2}[2-9]\d{6}$/;

export const phoneCallSettingsChanged = z.object({
  /** the number a voice call shows; null: the provider's own */
  callerId: z.string().regex(US_CALLER_ID).nullable(),
  version,
  at,
});

/** A custom voice message: its audio lives in the data directory under its SHA-256, never in an event. */
export const voiceGreetingAdded = z.object({
  greetingId: id,
  messageType: voiceMessageType,
  language: languageTag,
  contentType: z.enum(['audio/wav', 'audio/mpeg']),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int().positive().max(1_048_576),
  durationMs: z.number().int().positive().max(20_000),
  fileName: z.string().max(255).nullable(),
  at,
});
export const voiceGreetingDeleted = z.object({ greetingId: id, messageType: voiceMessageType, language: languageTag, at });

export const registrationPolicyChanged = z.object({
  /** all: every user must register; selected: only the listed users and members of the listed groups */
  requiredFor: z.enum(['all', 'selected']),
  userIds: z.array(z.string().min(1).max(256)).max(500),
  groupIds: z.array(z.string().min(1).max(256)).max(500),
  /** days a user may postpone registering, counted from the first sign-in that asked them (Entra's 0–14) */
  postponeDays: z.number().int().min(0).max(14),
  version,
  at,
});

export const appPasswordPolicyChanged = z.object({ allowUsersToCreateAppPasswords: z.boolean(), version, at });

export const signInLogFieldsChanged = z.object({ firstName: z.boolean(), lastName: z.boolean(), email: z.boolean(), version, at });

export type PhoneCallSettingsChanged = { type: 'PhoneCallSettingsChanged'; data: z.infer<typeof phoneCallSettingsChanged> };
export type VoiceGreetingAdded = { type: 'VoiceGreetingAdded'; data: z.infer<typeof voiceGreetingAdded> };
export type VoiceGreetingDeleted = { type: 'VoiceGreetingDeleted'; data: z.infer<typeof voiceGreetingDeleted> };
export type RegistrationPolicyChanged = { type: 'RegistrationPolicyChanged'; data: z.infer<typeof registrationPolicyChanged> };
export type AppPasswordPolicyChanged = { type: 'AppPasswordPolicyChanged'; data: z.infer<typeof appPasswordPolicyChanged> };
export type SignInLogFieldsChanged = { type: 'SignInLogFieldsChanged'; data: z.infer<typeof signInLogFieldsChanged> };

export type PhoneCallSettingsEvent = PhoneCallSettingsChanged | VoiceGreetingAdded | VoiceGreetingDeleted;

export const mfaSettingsContracts: EventContract[] = [
  { type: 'PhoneCallSettingsChanged', schemaVersion: 1, schema: phoneCallSettingsChanged },
  { type: 'VoiceGreetingAdded', schemaVersion: 1, schema: voiceGreetingAdded },
  { type: 'VoiceGreetingDeleted', schemaVersion: 1, schema: voiceGreetingDeleted },
  { type: 'RegistrationPolicyChanged', schemaVersion: 1, schema: registrationPolicyChanged },
  { type: 'AppPasswordPolicyChanged', schemaVersion: 1, schema: appPasswordPolicyChanged },
  { type: 'SignInLogFieldsChanged', schemaVersion: 1, schema: signInLogFieldsChanged },
];
