/**
 * How a phone one-time code leaves Bulwark: a text carrying the code, or a call that asks the user to press #.
 * The handler that issues a phone challenge depends on this port only; which adapter serves it is configuration.
 */

export type SmsMessage = {
  kind: 'sms';
  challengeId: string;
  userId: string;
  /** E.164, e.g. +447700900123 */
  to: string;
  code: string;
  expiresAt: string;
  /** BCP 47, for the provider's message template */
  locale?: string;
};

/** A recorded greeting that replaces the provider's spoken prompt. */
export type VoiceGreeting = { messageType: string; language: string; contentType: string; data: Buffer };

/**
 * A call with no code to read out: the user presses # to approve, or the fraud code then # to report that they
 * did not sign in. The provider reports the key pressed to Bulwark later, against `challengeId`.
 */
export type VoiceCall = {
  kind: 'voice';
  challengeId: string;
  userId: string;
  /** E.164 */
  to: string;
  code: null;
  expiresAt: string;
  /** the digit the user presses, then #, to report fraud; DEFAULT_FRAUD_CODE unless the tenant chose another */
  fraudCode: string;
  /** E.164 number shown to the user; null: the provider's own */
  callerId?: string | null;
  /** null: the provider's standard prompt */
  greeting?: VoiceGreeting | null;
  /** BCP 47, for the standard prompt when there is no greeting */
  locale?: string;
};

export type OtpDelivery = SmsMessage | VoiceCall;

export interface OtpDeliveryProvider {
  readonly name: string;
  /** Resolves once the provider has accepted the message; throws DeliveryFailedError otherwise. */
  deliver(message: OtpDelivery): Promise<{ providerMessageId: string }>;
}

export const OTP_DELIVERY = Symbol('OTP_DELIVERY');

/** # approves a call, so it cannot also be the start of the fraud report. */
export const APPROVE_KEY = '#';
export const DEFAULT_FRAUD_CODE = '0';

/**
 * Delivery did not happen. `retryable`: the provider was unreachable, slow or busy, and the same message may
 * succeed later; otherwise it refused the message and sending it again will not help.
 * The message never includes the code, the request body or the provider's response body.
 */
export class DeliveryFailedError extends Error {
  readonly code = 'OTP_DELIVERY_FAILED';
  readonly retryable: boolean;
  readonly provider: string;
  /** the provider's HTTP status on the last attempt, when there was one */
  readonly status: number | null;
  readonly attempts: number;

  constructor(message: string, details: { retryable: boolean; provider: string; status?: number | null; attempts?: number }) {
    super(message);
    this.name = 'DeliveryFailedError';
    this.retryable = details.retryable;
    this.provider = details.provider;
    this.status = details.status ?? null;
    this.attempts = details.attempts ?? 0;
  }
}

// the same rule as MethodRegistered.phoneNumber in libs/contracts
const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Refuses a message no provider could act on, before anything is sent. Adapters call it first, so a bug in the
 * issuing handler fails here, not at the provider with a code in flight. Messages name fields, never values.
 */
export function assertDeliverable(message: OtpDelivery, provider: string): void {
  const refuse = (why: string) => {
    throw new DeliveryFailedError(`${message.kind} for challenge ${message.challengeId} not sent: ${why}`, { retryable: false, provider });
  };
  if (!message.challengeId) refuse('no challengeId');
  if (!E164.test(message.to)) refuse('"to" is not an E.164 number');
  if (Number.isNaN(Date.parse(message.expiresAt))) refuse('"expiresAt" is not a date');
  switch (message.kind) {
    case 'sms':
      if (!/^\d{6,12}$/.test(message.code)) refuse('the code is not 6 to 12 digits');
      return;
    case 'voice':
      if (message.code !== null) refuse('a call carries no code');
      if (!/^\d$/.test(message.fraudCode)) refuse('the fraud code is not a single digit');
      if (message.callerId != null && !E164.test(message.callerId)) refuse('"callerId" is not an E.164 number');
      if (message.greeting && !message.greeting.data.length) refuse('the greeting has no audio');
      return;
    default: {
      const unknown: never = message;
      throw new DeliveryFailedError(`unknown delivery kind ${(unknown as { kind: string }).kind}`, { retryable: false, provider });
    }
  }
}

/**
 * The JSON a provider receives (and the development outbox records). Versioned so a receiver can tell shapes apart;
 * a call spells out its keys so the receiver builds the prompt without knowing our conventions.
 */
export type DeliveryPayload =
  | { schemaVersion: 1; kind: 'sms'; challengeId: string; userId: string; to: string; code: string; expiresAt: string; locale: string | null }
  | {
      schemaVersion: 1;
      kind: 'voice';
      challengeId: string;
      userId: string;
      to: string;
      code: null;
      expiresAt: string;
      keys: { approve: string; reportFraud: string };
      callerId: string | null;
      locale: string | null;
      greeting: { messageType: string; language: string; contentType: string; dataBase64: string } | null;
    };

export function toPayload(message: OtpDelivery): DeliveryPayload {
  const common = { schemaVersion: 1 as const, challengeId: message.challengeId, userId: message.userId, to: message.to, expiresAt: message.expiresAt };
  if (message.kind === 'sms') return { ...common, kind: 'sms', code: message.code, locale: message.locale ?? null };
  const greeting = message.greeting
    ? { messageType: message.greeting.messageType, language: message.greeting.language, contentType: message.greeting.contentType, dataBase64: message.greeting.data.toString('base64') }
    : null;
  return {
    ...common,
    kind: 'voice',
    code: null,
    keys: { approve: APPROVE_KEY, reportFraud: `${message.fraudCode}${APPROVE_KEY}` },
    callerId: message.callerId ?? null,
    locale: message.locale ?? null,
    greeting,
  };
}
