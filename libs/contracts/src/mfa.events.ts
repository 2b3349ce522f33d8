import { z } from 'zod';
import { EventContract } from './registry';
import { upcaster } from './upcasting';

/** Events of a user's MFA stream (`user_mfa-<userId>`), written only by the mfa service. */

const userId = z.string().min(1).max(256);
const id = z.string().min(1).max(200);
const at = z.iso.datetime();
/**
 * An HOTP counter is 64 bits (RFC 4226): a number while it is a safe integer, its exact decimal beyond 2^53 - 1.
 * Events written before counters could be that large hold a number; so do TOTP time steps, wherever a field holds
 * either (a matched code's step).
 */
export const hotpCounter = z.union([
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  z.string().regex(/^\d{1,20}$/).refine((text) => BigInt(text) <= 0xffff_ffff_ffff_ffffn, 'an HOTP counter has 64 bits'),
]);
const ip = z.string().min(1).max(64);

export const otpAlgorithm = z.enum(['SHA1', 'SHA256', 'SHA512']);
export const denialReason = z.enum([
  'wrongCode',
  'lockedOut',
  'userBlocked',
  'expired',
  'replayedCode',
  'fraudReported',
  /** a push notification nobody answered in time */
  'timeout',
  /** the user pressed deny on a push notification */
  'userDeclined',
  /** the user picked another number than the sign-in screen showed */
  'wrongNumber',
  /** the method was removed or disabled after the challenge was issued */
  'methodDisabled',
  /** a newer texted or spoken code voided this one */
  'superseded',
]);
export const methodType = z.enum(['softwareOath', 'hardwareOath', 'phone', 'appPassword']);
export type MethodType = z.infer<typeof methodType>;
/** How a challenge is answered: a code from the app or token, a push, a texted code, a call. */
export const challengeChannel = z.enum(['appCode', 'appNotification', 'sms', 'voice', 'appPassword']);
export type ChallengeChannel = z.infer<typeof challengeChannel>;
export const phoneType = z.enum(['mobile', 'alternateMobile', 'office']);
export type PhoneType = z.infer<typeof phoneType>;
export type DenialReason = z.infer<typeof denialReason>;

/** The secret is sealed with the service's data key (AES-256-GCM); never stored or published in clear. */
export const sealedSecret = z.object({ keyId: z.string(), iv: z.string(), tag: z.string(), ciphertext: z.string() }).strict();
export type SealedSecret = z.infer<typeof sealedSecret>;

const attempt = {
  userId,
  challengeId: id,
  methodId: id.nullable(),
  clientIp: ip,
  userAgent: z.string().max(1024).nullable(),
  appId: z.string().max(200).nullable(),
  at,
};

/**
 * The user's name and email as the relying party sent them with the sign-in, each only when the tenant's
 * sign-in-log fields setting recorded it at that moment; absent otherwise (and on every attempt before the setting).
 */
const recordedUserFields = {
  userFirstName: z.string().min(1).max(200).optional(),
  userLastName: z.string().min(1).max(200).optional(),
  userEmail: z.string().min(3).max(320).optional(),
  /** the remembered-device token the sign-in presented, masked but for its last 4 characters */
  deviceTokenHint: z.string().regex(/^…[A-Za-z0-9_-]{4}$/).optional(),
};

export const authenticatorAppAdded = z.object({
  userId,
  methodId: id,
  secret: sealedSecret,
  algorithm: otpAlgorithm,
  digits: z.union([z.literal(6), z.literal(8)]),
  period: z.union([z.literal(30), z.literal(60)]),
  displayName: z.string().max(200).nullable(),
  /** the app also takes push notifications with number matching */
  pushEnabled: z.boolean().optional(),
  at,
});

export const methodRegistered = z.object({
  userId,
  methodId: id,
  methodType,
  displayName: z.string().max(200).nullable(),
  /** the time step (or HOTP counter) of the activation code, so that code cannot approve a sign-in afterwards */
  timeStep: hotpCounter.nullable(),
  /** phone methods: the E.164 number (kept from exports) and its kind */
  phoneNumber: z.string().regex(/^\+[1-9]\d{6,14}$/).optional(),
  phoneType: phoneType.optional(),
  at,
});

/** scrypt of the app password with its own salt: the password itself is shown once and never kept */
const passwordHash = z.object({ algorithm: z.literal('scrypt'), N: z.number().int(), r: z.number().int(), p: z.number().int(), salt: z.string(), hash: z.string() }).strict();
export type PasswordHash = z.infer<typeof passwordHash>;

export const appPasswordCreated = z.object({ userId, appPasswordId: id, displayName: z.string().max(200).nullable(), hash: passwordHash, at });
export const appPasswordsDeleted = z.object({ userId, appPasswordIds: z.array(id).min(1), reason: z.string().max(500).nullable(), at });

export const oathHash = z.enum(['hmacsha1', 'hmacsha256', 'hmacsha512']);
/** What a hardware OATH token is, wherever it is recorded: the inventory, or the user it was given to. */
export const oathTokenProfile = {
  serialNumber: z.string().min(1).max(200),
  manufacturer: z.string().max(200).nullable(),
  model: z.string().max(200).nullable(),
  secret: sealedSecret,
  oathType: z.enum(['totp', 'hotp']),
  hashFunction: oathHash,
  digits: z.union([z.literal(6), z.literal(8)]),
  /** TOTP */
  period: z.union([z.literal(30), z.literal(60)]).nullable(),
  /** HOTP: the counter of the next code the token will show */
  counter: hotpCounter.nullable(),
};
/** A hardware token given to the user, pending until they activate it with a code from it. */
export const hardwareTokenAssigned = z.object({
  userId,
  /** the token's id in the inventory, also the method's id */
  methodId: id,
  ...oathTokenProfile,
  at,
});
export const hardwareTokenActivationFailed = z.object({ userId, methodId: id, at });
/** HOTP resynchronisation: two consecutive codes found the token's counter further ahead than the window */
export const hardwareTokenResynchronized = z.object({ userId, methodId: id, lastCounter: hotpCounter, at });

/** Entra's names for the verification methods a tenant allows */
export const verificationMethod = z.enum(['call', 'sms', 'appNotification', 'appCode']);
export type VerificationMethod = z.infer<typeof verificationMethod>;
export const perUserMfaState = z.enum(['disabled', 'enabled', 'enforced']);
export type PerUserMfaState = z.infer<typeof perUserMfaState>;

export const mfaTenantSettingsChanged = z.object({
  enabledMethods: z.array(verificationMethod),
  /** CIDR ranges whose sign-ins skip MFA */
  trustedIpRanges: z.array(z.string().max(64)).max(50),
  /** days a device may skip MFA after one success; null: remembering is off */
  rememberDeviceDays: z.number().int().min(1).max(365).nullable(),
  /** seconds a texted code, a call and a push stay open; absent in settings written before they were configurable */
  smsCodeLifetimeSeconds: z.number().int().min(60).max(900).optional(),
  voiceCallLifetimeSeconds: z.number().int().min(60).max(900).optional(),
  pushTimeoutSeconds: z.number().int().min(30).max(300).optional(),
  version: z.number().int().positive(),
  at,
});

/** A sign-in that needed no second factor, and why. */
export const mfaBypassed = z.object({
  ...attempt,
  reason: z.enum(['trustedIp', 'rememberedDevice', 'mfaDisabled']),
  sessionId: id,
  settingsVersion: z.number().int().nonnegative(),
  ...recordedUserFields,
});
/**
 * A sign-in asked for a challenge, but the user has no method the tenant allows: they must register one. Within
 * the registration policy's postponement the relying party may let them skip for now (`canPostpone`).
 */
export const registrationRequiredAtSignIn = z.object({
  ...attempt,
  /** noMethods: nothing registered; methodsDisabled: every method the user has is disabled by the tenant's settings */
  reason: z.enum(['noMethods', 'methodsDisabled']),
  /** whether the registration policy names this user (or an admin required re-registration); false: not required, always skippable */
  required: z.boolean(),
  canPostpone: z.boolean(),
  /** the end of the postponement; null when the user may not postpone, or is not required to register */
  postponeUntil: at.nullable(),
  policyVersion: z.number().int().nonnegative(),
  ...recordedUserFields,
});
/** After an approval the user asked to remember this device: only the token's HMAC is kept. */
export const deviceRemembered = z.object({ userId, deviceTokenHash: z.string().regex(/^[0-9a-f]{64}$/), challengeId: id, expiresAt: at, at });
export const rememberedDevicesForgotten = z.object({ userId, reason: z.string().max(500), at });
export const userMfaStateChanged = z.object({ userId, state: perUserMfaState, at });
/** The admin's "require re-registration": every method goes, and the next sign-in must register again. */
export const mfaReregistrationRequired = z.object({ userId, removedMethodIds: z.array(id), at });

export const methodRemoved = z.object({ userId, methodId: id, methodType, reason: z.string().max(500).nullable(), at });
export const defaultMethodChanged = z.object({ userId, methodId: id, at });

/** an HMAC of the texted or spoken code, or of the number a push asks for: never the code itself */
const codeHash = z.string().regex(/^[0-9a-f]{64}$/);

/** Version 2: every challenge names its channel, and its code's hash (null for an app code, which is not sent). */
export const mfaChallengeIssued = z.object({
  ...attempt,
  methodType: methodType.nullable(),
  channel: challengeChannel,
  codeHash: codeHash.nullable(),
  expiresAt: at,
  ...recordedUserFields,
});

/** Version 2: every approval names the channel it answered, so it clears only that channel's failure counter. */
export const mfaApproved = z.object({
  ...attempt,
  /** the OATH time step (or HOTP counter) the code matched; null for texted codes, calls and pushes */
  timeStep: hotpCounter.nullable(),
  channel: challengeChannel,
  sessionId: id,
});

/**
 * Frozen: MfaChallengeIssued as version 1 stored it. Challenges issued before channels existed name neither channel
 * nor code hash: they were all answered with a code from the app, which is never sent, so it has no hash.
 */
export const mfaChallengeIssuedV1 = z.object({
  ...attempt,
  methodType: methodType.nullable(),
  channel: challengeChannel.optional(),
  codeHash: codeHash.nullable().optional(),
  expiresAt: at,
  ...recordedUserFields,
});

/**
 * Frozen: MfaApproved as version 1 stored it. Approvals recorded before channels existed do not name theirs: every
 * one of them answered an app code (channels, push and their denials came in together, in the same release).
 */
export const mfaApprovedV1 = z.object({
  ...attempt,
  timeStep: z.number().int().nonnegative().nullable(),
  channel: challengeChannel.optional(),
  sessionId: id,
});

const mfaChallengeIssuedFromV1 = upcaster(1, mfaChallengeIssuedV1, (data): z.infer<typeof mfaChallengeIssued> => ({
  ...data,
  channel: data.channel ?? 'appCode',
  codeHash: data.codeHash ?? null,
}));

// Before channels the decider read a nameless approval as clearing every failure counter; every denial before such an
// approval was a one-time-code denial (push denials came with channels), so naming it appCode folds to the same lock.
const mfaApprovedFromV1 = upcaster(1, mfaApprovedV1, (data): z.infer<typeof mfaApproved> => ({ ...data, channel: data.channel ?? 'appCode' }));
export const mfaDenied = z.object({
  ...attempt,
  reason: denialReason,
  /** whether this denial finished the challenge (expired, fraud, refused when issued) or leaves it open for another code */
  endsChallenge: z.boolean(),
});
export const suspiciousActivityReported = z.object({
  ...attempt,
  /** whether the tenant's auto-block was on when the report was made; absent on reports recorded before it was kept */
  autoBlockOnFraud: z.boolean().optional(),
});
export const accountLockedOut = z.object({
  userId,
  /** null: only an admin unlocks */
  lockedUntil: at.nullable(),
  /** the challenges whose denials reached the threshold */
  causedBy: z.array(id),
  /** the counter that reached the threshold; absent on lockouts recorded before counters were kept per factor */
  factor: z.enum(['oneTimeCode', 'push']).optional(),
  settingsVersion: z.number().int().nonnegative(),
  at,
});

/** An admin lifted a lockout before it ended (or one that only an admin can lift). */
export const accountUnlocked = z.object({ userId, reason: z.string().min(1).max(500), at });

export const lockoutSettingsChanged = z.object({
  denialsBeforeLockout: z.number().int().min(1).max(1000),
  counterResetMinutes: z.number().int().min(1).max(1440),
  autoUnlockMinutes: z.number().int().min(0).max(1440),
  version: z.number().int().positive(),
  at,
});

/** The per-user limits a sign-in can run into (decided in the user's stream), and the per-challenge attempt limit. */
export const rateLimitName = z.enum(['challengesPerMinute', 'pushesPerWindow', 'smsPerWindow', 'callsPerWindow', 'attemptsPerChallenge']);
export type RateLimitName = z.infer<typeof rateLimitName>;

/**
 * A per-user rate limit refused a sign-in: appended once per throttling episode (the first refusal), not per request;
 * refusals until `until` append nothing. challengeId: the challenge an attempt limit ended, null when issuing was refused.
 * until: when the window frees a slot (for attemptsPerChallenge, the ended challenge's expiry: a new challenge may be asked at once).
 */
export const mfaThrottled = z.object({
  userId,
  limit: rateLimitName,
  challengeId: id.nullable(),
  until: at,
  clientIp: ip,
  appId: z.string().max(200).nullable(),
  at,
});

export const rateLimitSettingsChanged = z.object({
  challengesPerMinute: z.number().int().min(1).max(100),
  pushesPerWindow: z.number().int().min(1).max(100),
  smsPerWindow: z.number().int().min(1).max(100),
  callsPerWindow: z.number().int().min(1).max(100),
  windowMinutes: z.number().int().min(1).max(60),
  attemptsPerChallenge: z.number().int().min(1).max(100),
  version: z.number().int().positive(),
  at,
});

export type AppPasswordCreated = { type: 'AppPasswordCreated'; data: z.infer<typeof appPasswordCreated> };
export type AppPasswordsDeleted = { type: 'AppPasswordsDeleted'; data: z.infer<typeof appPasswordsDeleted> };
export type HardwareTokenAssigned = { type: 'HardwareTokenAssigned'; data: z.infer<typeof hardwareTokenAssigned> };
export type HardwareTokenActivationFailed = { type: 'HardwareTokenActivationFailed'; data: z.infer<typeof hardwareTokenActivationFailed> };
export type HardwareTokenResynchronized = { type: 'HardwareTokenResynchronized'; data: z.infer<typeof hardwareTokenResynchronized> };
export type MfaTenantSettingsChanged = { type: 'MfaTenantSettingsChanged'; data: z.infer<typeof mfaTenantSettingsChanged> };
export type MfaBypassed = { type: 'MfaBypassed'; data: z.infer<typeof mfaBypassed> };
export type RegistrationRequiredAtSignIn = { type: 'RegistrationRequiredAtSignIn'; data: z.infer<typeof registrationRequiredAtSignIn> };
export type DeviceRemembered = { type: 'DeviceRemembered'; data: z.infer<typeof deviceRemembered> };
export type RememberedDevicesForgotten = { type: 'RememberedDevicesForgotten'; data: z.infer<typeof rememberedDevicesForgotten> };
export type UserMfaStateChanged = { type: 'UserMfaStateChanged'; data: z.infer<typeof userMfaStateChanged> };
export type MfaReregistrationRequired = { type: 'MfaReregistrationRequired'; data: z.infer<typeof mfaReregistrationRequired> };
export type MethodRemoved = { type: 'MethodRemoved'; data: z.infer<typeof methodRemoved> };
export type DefaultMethodChanged = { type: 'DefaultMethodChanged'; data: z.infer<typeof defaultMethodChanged> };
export type AuthenticatorAppAdded = { type: 'AuthenticatorAppAdded'; data: z.infer<typeof authenticatorAppAdded> };
export type MethodRegistered = { type: 'MethodRegistered'; data: z.infer<typeof methodRegistered> };
export type MfaChallengeIssued = { type: 'MfaChallengeIssued'; data: z.infer<typeof mfaChallengeIssued> };
export type MfaApproved = { type: 'MfaApproved'; data: z.infer<typeof mfaApproved> };
export type MfaDenied = { type: 'MfaDenied'; data: z.infer<typeof mfaDenied> };
export type SuspiciousActivityReported = { type: 'SuspiciousActivityReported'; data: z.infer<typeof suspiciousActivityReported> };
export type AccountLockedOut = { type: 'AccountLockedOut'; data: z.infer<typeof accountLockedOut> };
export type AccountUnlocked = { type: 'AccountUnlocked'; data: z.infer<typeof accountUnlocked> };
export type LockoutSettingsChanged = { type: 'LockoutSettingsChanged'; data: z.infer<typeof lockoutSettingsChanged> };
export type MfaThrottled = { type: 'MfaThrottled'; data: z.infer<typeof mfaThrottled> };
export type RateLimitSettingsChanged = { type: 'RateLimitSettingsChanged'; data: z.infer<typeof rateLimitSettingsChanged> };

export type UserMfaEvent =
  | AuthenticatorAppAdded
  | MethodRegistered
  | MethodRemoved
  | DefaultMethodChanged
  | AppPasswordCreated
  | AppPasswordsDeleted
  | HardwareTokenAssigned
  | HardwareTokenActivationFailed
  | HardwareTokenResynchronized
  | MfaBypassed
  | RegistrationRequiredAtSignIn
  | DeviceRemembered
  | RememberedDevicesForgotten
  | UserMfaStateChanged
  | MfaReregistrationRequired
  | MfaChallengeIssued
  | MfaApproved
  | MfaDenied
  | SuspiciousActivityReported
  | AccountLockedOut
  | AccountUnlocked
  | MfaThrottled;

export const mfaContracts: EventContract[] = [
  { type: 'AuthenticatorAppAdded', schemaVersion: 1, schema: authenticatorAppAdded, privateFields: ['secret'] },
  { type: 'MethodRegistered', schemaVersion: 1, schema: methodRegistered, privateFields: ['phoneNumber'] },
  { type: 'MethodRemoved', schemaVersion: 1, schema: methodRemoved },
  { type: 'DefaultMethodChanged', schemaVersion: 1, schema: defaultMethodChanged },
  { type: 'AppPasswordCreated', schemaVersion: 1, schema: appPasswordCreated, privateFields: ['hash'] },
  { type: 'AppPasswordsDeleted', schemaVersion: 1, schema: appPasswordsDeleted },
  { type: 'HardwareTokenAssigned', schemaVersion: 1, schema: hardwareTokenAssigned, privateFields: ['secret'] },
  { type: 'HardwareTokenActivationFailed', schemaVersion: 1, schema: hardwareTokenActivationFailed },
  { type: 'HardwareTokenResynchronized', schemaVersion: 1, schema: hardwareTokenResynchronized },
  { type: 'MfaTenantSettingsChanged', schemaVersion: 1, schema: mfaTenantSettingsChanged },
  { type: 'MfaBypassed', schemaVersion: 1, schema: mfaBypassed },
  { type: 'RegistrationRequiredAtSignIn', schemaVersion: 1, schema: registrationRequiredAtSignIn },
  { type: 'DeviceRemembered', schemaVersion: 1, schema: deviceRemembered, privateFields: ['deviceTokenHash'] },
  { type: 'RememberedDevicesForgotten', schemaVersion: 1, schema: rememberedDevicesForgotten },
  { type: 'UserMfaStateChanged', schemaVersion: 1, schema: userMfaStateChanged },
  { type: 'MfaReregistrationRequired', schemaVersion: 1, schema: mfaReregistrationRequired },
  { type: 'MfaChallengeIssued', schemaVersion: 2, schema: mfaChallengeIssued, privateFields: ['codeHash'], upcasters: [mfaChallengeIssuedFromV1] },
  { type: 'MfaApproved', schemaVersion: 2, schema: mfaApproved, upcasters: [mfaApprovedFromV1] },
  { type: 'MfaDenied', schemaVersion: 1, schema: mfaDenied },
  { type: 'SuspiciousActivityReported', schemaVersion: 1, schema: suspiciousActivityReported },
  { type: 'AccountLockedOut', schemaVersion: 1, schema: accountLockedOut },
  { type: 'AccountUnlocked', schemaVersion: 1, schema: accountUnlocked },
  { type: 'LockoutSettingsChanged', schemaVersion: 1, schema: lockoutSettingsChanged },
  { type: 'MfaThrottled', schemaVersion: 1, schema: mfaThrottled },
  { type: 'RateLimitSettingsChanged', schemaVersion: 1, schema: rateLimitSettingsChanged },
];
