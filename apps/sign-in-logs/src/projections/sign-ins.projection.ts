import {
  DenialReason,
  MfaApproved,
  MfaBypassed,
  MfaChallengeIssued,
  MfaDenied,
  RecordedEvent,
  RegistrationRequiredAtSignIn,
  SignInLogFieldsChanged,
} from '@bulwark/contracts';
import { Projection, prepared } from '@bulwark/event-store';

/** Entra's additionalDetails for each denial reason (500121 is Entra's "strong authentication failed"). */
export const denialDetails: Record<DenialReason, string> = {
  wrongCode: 'MFA denied; invalid verification code',
  replayedCode: 'MFA denied; verification code already used',
  lockedOut: 'MFA denied; account is locked out after too many failed attempts',
  userBlocked: 'MFA denied; user is blocked',
  expired: 'MFA denied; the verification request expired',
  fraudReported: 'MFA denied; fraud code entered',
  timeout: 'MFA denied; user did not respond to mobile app notification',
  userDeclined: 'MFA denied; user declined the authentication',
  wrongNumber: 'MFA denied; user did not select the correct number',
  methodDisabled: 'MFA denied; the authentication method is disabled',
  superseded: 'MFA denied; a newer verification code was sent',
};

/** Entra's authentication details when the second factor was skipped. */
export const bypassDetails: Record<'trustedIp' | 'rememberedDevice' | 'mfaDisabled', string> = {
  trustedIp: 'MFA requirement skipped due to trusted IP',
  rememberedDevice: 'MFA requirement skipped due to remembered device',
  mfaDisabled: 'MFA not required for this user',
};

/** Entra's details when a sign-in stopped because the user must register a method first (error 50072). */
export const registrationDetails: Record<'noMethods' | 'methodsDisabled', string> = {
  noMethods: 'User needs to enroll for second factor authentication; the user has no verification method',
  methodsDisabled: 'User needs to enroll for second factor authentication; every verification method of the user is disabled',
};

/** Entra's error code when a sign-in is interrupted for MFA registration. */
export const REGISTRATION_REQUIRED_ERROR = 50072;

type UserFields = { userFirstName?: string; userLastName?: string; userEmail?: string };

const SIGN_IN_COLUMNS =
  'id, created_at, user_id, app_id, ip_address, user_agent, correlation_id, challenge_id, method_type, result, reason, error_code, position, method_id, channel, user_first_name, user_last_name, user_email';
const insertSignIn = `INSERT OR IGNORE INTO sign_ins (${SIGN_IN_COLUMNS}) VALUES (${SIGN_IN_COLUMNS.split(',').map(() => '?').join(', ')})`;
const fieldsOf = (data: UserFields) => [data.userFirstName ?? null, data.userLastName ?? null, data.userEmail ?? null] as const;

/**
 * One row per MFA attempt, with the context of the challenge it answered, and the user's name and email as far as
 * the tenant recorded them. A field the tenant turns off is erased from the rows too; turning it on again shows
 * only what attempts from then on record.
 */
export const signInsProjection: Projection = {
  name: 'sign_ins',
  version: 3,
  eventTypes: ['MfaChallengeIssued', 'MfaApproved', 'MfaDenied', 'MfaBypassed', 'RegistrationRequiredAtSignIn', 'SignInLogFieldsChanged'],
  setup(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS sign_in_challenges (
        challenge_id TEXT PRIMARY KEY, correlation_id TEXT NOT NULL, method_type TEXT, channel TEXT,
        user_first_name TEXT, user_last_name TEXT, user_email TEXT
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS sign_ins (
        id TEXT PRIMARY KEY, created_at TEXT NOT NULL, user_id TEXT NOT NULL, app_id TEXT, ip_address TEXT NOT NULL, user_agent TEXT,
        correlation_id TEXT NOT NULL, challenge_id TEXT NOT NULL, method_type TEXT, result TEXT NOT NULL, reason TEXT, error_code INTEGER NOT NULL,
        position INTEGER NOT NULL, method_id TEXT, channel TEXT, user_first_name TEXT, user_last_name TEXT, user_email TEXT
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS sign_ins_by_time ON sign_ins (created_at DESC, id DESC);`);
  },
  reset(db) {
    // the tables' shape changed with versions 2 and 3: recreate them
    db.exec('DROP TABLE IF EXISTS sign_ins; DROP TABLE IF EXISTS sign_in_challenges;');
    this.setup(db);
  },
  apply(db, event) {
    if (event.type === 'SignInLogFieldsChanged') {
      const { firstName, lastName, email } = (event as unknown as RecordedEvent<SignInLogFieldsChanged>).data;
      // fixed statements, one per field: no column name is ever built from data
      for (const table of ['sign_ins', 'sign_in_challenges'] as const) {
        if (!firstName) prepared(db, `UPDATE ${table} SET user_first_name = NULL WHERE user_first_name IS NOT NULL`).run();
        if (!lastName) prepared(db, `UPDATE ${table} SET user_last_name = NULL WHERE user_last_name IS NOT NULL`).run();
        if (!email) prepared(db, `UPDATE ${table} SET user_email = NULL WHERE user_email IS NOT NULL`).run();
      }
      return;
    }
    if (event.type === 'MfaChallengeIssued') {
      const { challengeId, methodType, channel, ...data } = (event as unknown as RecordedEvent<MfaChallengeIssued>).data;
      prepared(db, 'INSERT OR IGNORE INTO sign_in_challenges VALUES (?, ?, ?, ?, ?, ?, ?)').run(challengeId, event.metadata.correlationId, methodType, channel ?? 'appCode', ...fieldsOf(data));
      return;
    }
    if (event.type === 'MfaBypassed') {
      const { challengeId, userId, appId, clientIp, userAgent, at, reason, ...data } = (event as unknown as RecordedEvent<MfaBypassed>).data;
      prepared(db, insertSignIn).run(
        event.eventId, at, userId, appId, clientIp, userAgent, event.metadata.correlationId, challengeId, null, 'bypassed', reason, 0, event.position, null, null, ...fieldsOf(data),
      );
      return;
    }
    if (event.type === 'RegistrationRequiredAtSignIn') {
      const { challengeId, userId, appId, clientIp, userAgent, at, reason, ...data } = (event as unknown as RecordedEvent<RegistrationRequiredAtSignIn>).data;
      prepared(db, insertSignIn).run(
        event.eventId, at, userId, appId, clientIp, userAgent, event.metadata.correlationId, challengeId, null, 'interrupted', reason, REGISTRATION_REQUIRED_ERROR, event.position, null, null,
        ...fieldsOf(data),
      );
      return;
    }
    const attempt = event as unknown as RecordedEvent<MfaApproved | MfaDenied>;
    const { challengeId, userId, appId, clientIp, userAgent, at, methodId } = attempt.data;
    const challenge = prepared<
      [string],
      { correlation_id: string; method_type: string | null; channel: string | null; user_first_name: string | null; user_last_name: string | null; user_email: string | null }
    >(db, 'SELECT correlation_id, method_type, channel, user_first_name, user_last_name, user_email FROM sign_in_challenges WHERE challenge_id = ?').get(challengeId);
    // an app password sign-in has no challenge: its approval says so
    const channel = challenge ? challenge.channel : 'appPassword';
    const reason = attempt.type === 'MfaDenied' ? attempt.data.reason : null;
    prepared(db, insertSignIn).run(
      event.eventId,
      at,
      userId,
      appId,
      clientIp,
      userAgent,
      challenge?.correlation_id ?? event.metadata.correlationId,
      challengeId,
      challenge?.method_type ?? null,
      attempt.type === 'MfaApproved' ? 'success' : 'failure',
      reason,
      attempt.type === 'MfaApproved' ? 0 : 500121,
      event.position,
      methodId,
      channel,
      // the answer carries no name: the challenge recorded it, as the setting stood when the sign-in began
      challenge?.user_first_name ?? null,
      challenge?.user_last_name ?? null,
      challenge?.user_email ?? null,
    );
  },
};
