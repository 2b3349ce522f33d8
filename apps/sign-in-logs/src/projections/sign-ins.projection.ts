import { DenialReason, MfaApproved, MfaBypassed, MfaChallengeIssued, MfaDenied, RecordedEvent } from '@bulwark/contracts';
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

/** One row per MFA attempt, with the context of the challenge it answered. */
export const signInsProjection: Projection = {
  name: 'sign_ins',
  version: 2,
  eventTypes: ['MfaChallengeIssued', 'MfaApproved', 'MfaDenied', 'MfaBypassed'],
  setup(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS sign_in_challenges (
        challenge_id TEXT PRIMARY KEY, correlation_id TEXT NOT NULL, method_type TEXT, channel TEXT
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS sign_ins (
        id TEXT PRIMARY KEY, created_at TEXT NOT NULL, user_id TEXT NOT NULL, app_id TEXT, ip_address TEXT NOT NULL, user_agent TEXT,
        correlation_id TEXT NOT NULL, challenge_id TEXT NOT NULL, method_type TEXT, result TEXT NOT NULL, reason TEXT, error_code INTEGER NOT NULL,
        position INTEGER NOT NULL, method_id TEXT, channel TEXT
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS sign_ins_by_time ON sign_ins (created_at DESC, id DESC);`);
  },
  reset(db) {
    // the tables' shape changed with version 2: recreate them
    db.exec('DROP TABLE IF EXISTS sign_ins; DROP TABLE IF EXISTS sign_in_challenges;');
    this.setup(db);
  },
  apply(db, event) {
    if (event.type === 'MfaChallengeIssued') {
      const { challengeId, methodType, channel } = (event as unknown as RecordedEvent<MfaChallengeIssued>).data;
      prepared(db, 'INSERT OR IGNORE INTO sign_in_challenges VALUES (?, ?, ?, ?)').run(challengeId, event.metadata.correlationId, methodType, channel ?? 'appCode');
      return;
    }
    if (event.type === 'MfaBypassed') {
      const { challengeId, userId, appId, clientIp, userAgent, at, reason } = (event as unknown as RecordedEvent<MfaBypassed>).data;
      prepared(db, 'INSERT OR IGNORE INTO sign_ins VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        event.eventId, at, userId, appId, clientIp, userAgent, event.metadata.correlationId, challengeId, null, 'bypassed', reason, 0, event.position, null, null,
      );
      return;
    }
    const attempt = event as unknown as RecordedEvent<MfaApproved | MfaDenied>;
    const { challengeId, userId, appId, clientIp, userAgent, at, methodId } = attempt.data;
    const challenge = prepared<[string], { correlation_id: string; method_type: string | null; channel: string | null }>(db, 
        'SELECT correlation_id, method_type, channel FROM sign_in_challenges WHERE challenge_id = ?',
      )
      .get(challengeId);
    // an app password sign-in has no challenge: its approval says so
    const channel = challenge ? challenge.channel : 'appPassword';
    const reason = attempt.type === 'MfaDenied' ? attempt.data.reason : null;
    prepared(db, 'INSERT OR IGNORE INTO sign_ins VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
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
    );
  },
};
