// What the MFA service's routes answer, for the OpenAPI document (test/openapi.spec.ts checks real answers against it).
import { challengeChannel, denialReason, languageTag, methodType, registrationPolicyChanged, verificationMethod, voiceGreetingAdded } from '@bulwark/contracts';
import { graphCollection, versioned } from '@bulwark/platform';
import { z } from 'zod';

const dateTime = z.iso.datetime();

export const registeredAuthenticatorApp = z.object({
  id: z.uuid(),
  status: z.literal('pending'),
  /** base32; shown once, to put in the app by hand when the QR code cannot be scanned */
  secret: z.string(),
  otpauthUri: z.string(),
  qrCode: z.object({ pngDataUrl: z.string(), svg: z.string() }),
  algorithm: z.enum(['SHA1', 'SHA256', 'SHA512']),
  digits: z.int(),
  period: z.int(),
  pushEnabled: z.boolean(),
});

export const activatedAuthenticatorApp = z.object({ id: z.uuid(), status: z.literal('active'), methodType: z.literal('softwareOath') });

export const issuedChallenge = z.object({
  id: z.uuid(),
  status: z.enum(['pending', 'denied', 'bypassed', 'registrationRequired']),
  sessionId: z.uuid().optional(),
  method: methodType.nullable(),
  methodId: z.string().nullable(),
  channel: challengeChannel.nullable(),
  expiresAt: dateTime,
  numberToShow: z.string().optional(),
  delivery: z.object({ status: z.enum(['sent', 'failed']), reason: z.string().optional() }).optional(),
  reason: z.union([denialReason, z.enum(['trustedIp', 'rememberedDevice', 'mfaDisabled', 'noMethods', 'methodsDisabled'])]).optional(),
  registration: z.object({ required: z.boolean(), canPostpone: z.boolean(), postponeUntil: dateTime.nullable() }).optional(),
});

/** The outcome of an answer (a code, a push answer, keys pressed on a call, an app password). */
export const verificationResult = z.union([
  z.object({
    status: z.literal('approved'),
    sessionId: z.uuid(),
    deviceToken: z.string().optional(),
    deviceTokenExpiresAt: dateTime.optional(),
    /** always false: an approved challenge is finished */
    retryAllowed: z.literal(false),
  }),
  z.object({
    status: z.literal('denied'),
    reason: denialReason,
    /** whether the challenge is still open and may be answered again (false: it ended, or the account is locked) */
    retryAllowed: z.boolean(),
    /** while retryAllowed: the answers the challenge still takes before the attempt limit ends it */
    attemptsLeft: z.int().optional(),
  }),
]);

export const suspiciousActivityReport = z.object({ status: z.literal('denied'), reason: z.literal('fraudReported'), retryAllowed: z.literal(false) });

const phoneMethod = z.object({
  '@odata.type': z.literal('#microsoft.graph.phoneAuthenticationMethod'),
  id: z.uuid(),
  createdDateTime: dateTime,
  /** "+1 4255550100"; an analyst sees only the last 4 digits */
  phoneNumber: z.string(),
  phoneType: z.enum(['mobile', 'alternateMobile', 'office']),
  smsSignInState: z.literal('notSupported'),
});

export const registeredPhone = phoneMethod;

export const authenticationMethods = graphCollection(
  z.union([
    phoneMethod,
    z.object({
      '@odata.type': z.literal('#microsoft.graph.softwareOathAuthenticationMethod'),
      id: z.uuid(),
      createdDateTime: dateTime,
      displayName: z.string().nullable(),
      secretKey: z.null(),
    }),
    z.object({
      '@odata.type': z.literal('#microsoft.graph.hardwareOathAuthenticationMethod'),
      id: z.uuid(),
      createdDateTime: dateTime,
      status: z.enum(['activated', 'assigned', 'failedActivation']),
      device: z.object({ id: z.uuid(), serialNumber: z.string(), manufacturer: z.string().nullable(), model: z.string().nullable(), secretKey: z.null() }),
    }),
  ]),
);

export const defaultMethod = z.object({ methodId: z.string() });

export const createdAppPassword = z.object({
  id: z.uuid(),
  displayName: z.string().nullable(),
  /** shown once: only its hash is kept */
  password: z.string(),
  createdDateTime: dateTime,
});

export const lockoutPolicy = versioned({ denialsBeforeLockout: z.int(), counterResetMinutes: z.int(), autoUnlockMinutes: z.int() });

export const rateLimits = versioned({
  challengesPerMinute: z.int(),
  pushesPerWindow: z.int(),
  smsPerWindow: z.int(),
  callsPerWindow: z.int(),
  windowMinutes: z.int(),
  attemptsPerChallenge: z.int(),
});

export const tenantSettings = versioned({
  enabledMethods: z.array(verificationMethod),
  trustedIpRanges: z.array(z.string()),
  rememberDeviceDays: z.int().nullable(),
  smsCodeLifetimeSeconds: z.int(),
  voiceCallLifetimeSeconds: z.int(),
  pushTimeoutSeconds: z.int(),
});

export const perUserMfaState = z.object({ perUserMfaState: z.enum(['disabled', 'enabled', 'enforced']) });

export const unlocked = z.object({ userId: z.string(), status: z.literal('unlocked') });

export const rememberedDevicesRevoked = z.object({ userId: z.string(), devicesRevoked: z.int() });

export const resynchronized = z.object({ id: z.string(), status: z.literal('resynchronized') });

export const phoneCallSettings = z.object({ callerId: z.string().nullable(), version: z.int() });

export const greeting = voiceGreetingAdded.omit({ greetingId: true, at: true }).extend({ id: z.uuid(), language: languageTag, createdDateTime: dateTime });

export const greetings = z.object({ value: z.array(greeting) });

export const registrationPolicy = registrationPolicyChanged.omit({ at: true }).extend({ version: z.int() });

export const appPasswordPolicy = versioned({ allowUsersToCreateAppPasswords: z.boolean() });

export const signInLogFields = versioned({ firstName: z.boolean(), lastName: z.boolean(), email: z.boolean() });

const importFormat = z.enum(['csv', 'pskc']);

export const importStarted = z.object({ id: z.uuid(), status: z.literal('running'), format: importFormat });

export const importStatus = z.object({
  id: z.uuid(),
  format: importFormat,
  fileName: z.string().nullable(),
  status: z.enum(['running', 'completed', 'failed']),
  createdDateTime: dateTime,
  completedDateTime: dateTime.nullable(),
  imported: z.int().optional(),
  assigned: z.int().optional(),
  rejected: z.int().optional(),
  reason: z.string().optional(),
});

const hardwareOathDevice = z.object({
  id: z.uuid(),
  displayName: z.null(),
  serialNumber: z.string(),
  manufacturer: z.string().nullable(),
  model: z.string().nullable(),
  secretKey: z.null(),
  timeIntervalInSeconds: z.int().nullable(),
  hashFunction: z.string(),
  status: z.string(),
  lastUsedDateTime: z.null(),
  assignedTo: z.object({ id: z.string(), displayName: z.null() }).nullable(),
});

export const hardwareOathDevices = graphCollection(hardwareOathDevice);

export const hardwareOathDeviceEntity = hardwareOathDevice.extend({ '@odata.context': z.string() });
