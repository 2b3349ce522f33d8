import { DenialReason, MfaApproved, MfaDenied, RateLimitName, RecordedEvent } from '@bulwark/contracts';
import { BatchedInsert, Projection, ProjectionEvent, prepared } from '@bulwark/event-store';
import Database from 'better-sqlite3';

/** Entra's additionalDetails for each denial reason (500121 is Entra's "strong authentication failed"). */
export const denialDetails: Record<DenialReason, string> = {
  wrongCode: 'MFA denied; invalid verification code',
  replayedCode: 'MFA denied; verification code already used',
  lockedOut: 'MFA denied; account is locked out after too many failed attempts',
  userBlocked: 'MFA denied; user is blocked',
  expired: 'MFA denied; the verification request expired',
  // by the channel: see fraudReportDetails
  fraudReported: 'MFA denied; fraud reported by the user',
  timeout: 'MFA denied; user did not respond to mobile app notification',
  userDeclined: 'MFA denied; user declined the authentication',
  wrongNumber: 'MFA denied; user did not select the correct number',
  methodDisabled: 'MFA denied; the authentication method is disabled',
  superseded: 'MFA denied; a newer verification code was sent',
};

/**
 * A fraud report reads as Entra writes it for the channel it came through: the Authenticator app's report, or
 * the fraud code keyed in during a call. A texted code or a hardware token's code reported through the relying
 * party has no Entra string: ours says what happened.
 */
export function fraudReportDetail(methodType: string | null, channel: string | null): string {
  if (channel === 'voice') return 'MFA denied; fraud code entered';
  if (methodType === 'softwareOath' && (channel === 'appCode' || channel === 'appNotification')) return 'MFA denied; Phone App Reported Fraud';
  return denialDetails.fraudReported;
}

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

/**
 * The error code of a sign-in refused by a rate limit. Entra has no code of its own for an MFA rate limit: 50053
 * ("account is locked: too many sign-in attempts", also its smart-lockout throttle) is the nearest, and what the SIEM
 * catalog maps MfaThrottled to, so one episode reads the same in both. Not 500121: no second factor was judged; not
 * 50196 (a client's request loop) nor 90055 (a whole tenant's throttling).
 */
export const THROTTLED_ERROR = 50053;

/** Entra-style additionalDetails for each rate limit a sign-in can run into. */
export const throttleDetails: Record<RateLimitName, string> = {
  challengesPerMinute: 'MFA denied; too many verification requests for the user in a minute',
  pushesPerWindow: 'MFA denied; too many mobile app notifications sent to the user',
  smsPerWindow: 'MFA denied; too many text messages sent to the user',
  callsPerWindow: 'MFA denied; too many phone calls to the user',
  attemptsPerChallenge: 'MFA denied; too many answers to one verification request',
};

/** The method a channel limit refused to send by, as a challenge on it would record it (no challenge was issued). */
const throttledMethod: Record<RateLimitName, readonly [methodType: string | null, channel: string | null]> = {
  challengesPerMinute: [null, null],
  pushesPerWindow: ['softwareOath', 'appNotification'],
  smsPerWindow: ['phone', 'sms'],
  callsPerWindow: ['phone', 'voice'],
  attemptsPerChallenge: [null, null],
};

type UserFields = { userFirstName?: string; userLastName?: string; userEmail?: string };
const fieldsOf = (data: UserFields) => [data.userFirstName ?? null, data.userLastName ?? null, data.userEmail ?? null] as const;
/** The server that decided an attempt, from the event's envelope; absent on events older than it. */
const serverOf = (event: RecordedEvent) => [event.metadata.server?.name ?? null, event.metadata.server?.ip ?? null] as const;

/** Phone numbers in sign-in rows: every digit but the last two hidden, as Entra shows them (`+X XXXXXXXX99`). */
export function maskedPhone(phoneNumber: string): string {
  const digits = phoneNumber.replace(/\D/g, '');
  return `+${'X'.repeat(Math.max(digits.length - 2, 0))}${digits.slice(-2)}`;
}

const RISK_ORDER = ['none', 'low', 'medium', 'high'];
const SIGN_IN_COLUMNS =
  'id, created_at, user_id, app_id, ip_address, user_agent, correlation_id, challenge_id, method_type, result, reason, error_code, position, method_id, channel, method_detail, user_first_name, user_last_name, user_email, server_name, server_ip, device_token_hint';
const SIGN_IN_WIDTH = SIGN_IN_COLUMNS.split(',').length;
const INSERT_SIGN_INS = `INSERT OR IGNORE INTO sign_ins (${SIGN_IN_COLUMNS}) VALUES`;
const INSERT_SIGN_IN = `${INSERT_SIGN_INS} (${SIGN_IN_COLUMNS.split(',').map(() => '?').join(', ')})`;

type SignInsEventType =
  | 'MfaChallengeIssued'
  | 'MfaApproved'
  | 'MfaDenied'
  | 'MfaBypassed'
  | 'MethodRegistered'
  | 'RiskDetected'
  | 'RegistrationRequiredAtSignIn'
  | 'SignInLogFieldsChanged'
  | 'MfaThrottled';

/**
 * One row per MFA attempt, with the context of the challenge it answered, the method's masked phone number, the risk
 * detected on the sign-in (a detection's requestId is the challenge it is about), and the user's name and email as far
 * as the tenant records them. A field the tenant turns off is erased from the rows too; turning it on again shows only
 * what attempts from then on record.
 * Version 6 (rows keyed by position): method details, risk columns, the analyst API's indexes, recorded user fields, registration interrupts, the
 * server that answered and the masked device token. Version 7: the challenges' unique id is an index of its own, built
 * at the end of a rebuild. Version 8: a sign-in's risk is joined from sign_in_risks when read (the view sign_ins_graph)
 * instead of copied into its rows, so a detection writes one small row and no index on challenge ids is kept; the
 * time, user and error-code indexes break ties by position (the rowid) instead of by the 36-character Graph id.
 * Version 9 (issue 13 §8): one row per attempt. A challenge closed with no answer (the expiry sweep, a newer code)
 * adds a row only if nobody answered it at all; after a wrong code, that code's row is the challenge's outcome. Each
 * challenge keeps the position of its latest row, so the usage report counts a challenge once, by its last outcome.
 * Version 10: a throttling episode (MfaThrottled) is one `throttled` row naming the limit; it is no attempt, so a
 * challenge an attempt limit ended keeps its last answer as its outcome.
 */
export const signInsProjection: Projection<SignInsEventType> = {
  name: 'sign_ins',
  version: 10,
  eventTypes: ['MfaChallengeIssued', 'MfaApproved', 'MfaDenied', 'MfaBypassed', 'MethodRegistered', 'RiskDetected', 'RegistrationRequiredAtSignIn', 'SignInLogFieldsChanged', 'MfaThrottled'],
  setup(db) {
    db.exec(`
      -- appended in commit order too; the answers find their challenge through the (small) unique index, which a
      -- rebuild builds at the end (a million random inserts into it cost more than the table itself)
      -- last_position: the challenge's latest sign-in row, null until it has one (what the usage report counts it by)
      CREATE TABLE IF NOT EXISTS sign_in_challenges (
        challenge_id TEXT NOT NULL, correlation_id TEXT NOT NULL, method_type TEXT, channel TEXT,
        user_first_name TEXT, user_last_name TEXT, user_email TEXT, device_token_hint TEXT, last_position INTEGER
      );
      CREATE TABLE IF NOT EXISTS sign_in_methods (method_id TEXT PRIMARY KEY, method_detail TEXT) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS sign_in_risks (request_id TEXT PRIMARY KEY, risk_level TEXT NOT NULL, risk_event_types TEXT NOT NULL) WITHOUT ROWID;
      -- keyed by the event's position, so rows are appended in commit order (a random-key B-tree of a million rows
      -- would make every insert a random write); the Graph id is a unique index
      CREATE TABLE IF NOT EXISTS sign_ins (
        position INTEGER PRIMARY KEY, id TEXT NOT NULL, created_at TEXT NOT NULL, user_id TEXT NOT NULL, app_id TEXT, ip_address TEXT NOT NULL,
        user_agent TEXT, correlation_id TEXT NOT NULL, challenge_id TEXT NOT NULL, method_type TEXT, result TEXT NOT NULL, reason TEXT,
        error_code INTEGER NOT NULL, method_id TEXT, channel TEXT, method_detail TEXT,
        user_first_name TEXT, user_last_name TEXT, user_email TEXT, server_name TEXT, server_ip TEXT, device_token_hint TEXT
      );
      -- what the analyst API reads: each sign-in with the risk detected on its challenge (a detection's requestId),
      -- whether the detection came before the answer or after it
      CREATE VIEW IF NOT EXISTS sign_ins_graph AS
        SELECT s.*, COALESCE(r.risk_level, 'none') AS risk_level, CASE WHEN r.request_id IS NULL THEN 'none' ELSE 'atRisk' END AS risk_state,
          COALESCE(r.risk_event_types, '[]') AS risk_event_types
        FROM sign_ins AS s LEFT JOIN sign_in_risks AS r ON r.request_id = s.challenge_id;
      `);
  },
  indexes: [
    'CREATE UNIQUE INDEX IF NOT EXISTS sign_in_challenges_by_id ON sign_in_challenges (challenge_id)',
    'CREATE UNIQUE INDEX IF NOT EXISTS sign_ins_by_id ON sign_ins (id)',
    // the analyst API's orders: newest first, ties broken by position (signInsResource's key)
    'CREATE INDEX IF NOT EXISTS sign_ins_by_time ON sign_ins (created_at DESC, position DESC)',
    'CREATE INDEX IF NOT EXISTS sign_ins_by_user ON sign_ins (user_id, created_at DESC, position DESC)',
    'CREATE INDEX IF NOT EXISTS sign_ins_by_error ON sign_ins (error_code, created_at DESC, position DESC)',
    'CREATE INDEX IF NOT EXISTS sign_ins_by_ip ON sign_ins (ip_address)',
    'CREATE INDEX IF NOT EXISTS sign_ins_by_correlation ON sign_ins (correlation_id)',
  ],
  reset(db) {
    // the tables' shape changes between versions: recreate them (the runner calls setup before reset)
    db.exec(
      'DROP VIEW IF EXISTS sign_ins_graph; DROP TABLE IF EXISTS sign_ins; DROP TABLE IF EXISTS sign_in_challenges; DROP TABLE IF EXISTS sign_in_methods; DROP TABLE IF EXISTS sign_in_risks;',
    );
    this.setup(db);
  },
  apply(db, event) {
    applySignInEvent(db, event, tableContext(db));
  },
  rebuilder(db) {
    const context = rebuildContext(db);
    return { apply: (event) => applySignInEvent(db, event, context), flush: () => context.flush() };
  },
};

type ChallengeContext = {
  correlation_id: string; method_type: string | null; channel: string | null; user_first_name: string | null; user_last_name: string | null; user_email: string | null;
  device_token_hint: string | null; last_position: number | null;
};
type Risk = { risk_level: string; risk_event_types: string };
type UserField = 'user_first_name' | 'user_last_name' | 'user_email';

/**
 * What an answer row reads back from the projection's own tables, and what it is told of the writes it would read
 * back: event by event from the tables, in a rebuild from memory.
 */
interface SignInContext {
  challenge(challengeId: string): ChallengeContext | undefined;
  methodDetail(methodId: string): string | null;
  risk(requestId: string): Risk | undefined;
  /** Stores a challenge's row unless its id is already stored (the first one issued stays). */
  storeChallenge(challengeId: string, challenge: ChallengeContext): void;
  storeSignIn(row: unknown[]): void;
  /** Writes the rows held back: before anything reads or updates the tables. */
  flush(): void;
  challengeEnded(challengeId: string): void;
  /** The challenge's latest sign-in row is now the one at this position. */
  attempted(challengeId: string, position: number): void;
  methodStored(methodId: string, detail: string): void;
  riskStored(requestId: string, risk: Risk): void;
  fieldsErased(fields: readonly UserField[]): void;
}

const CHALLENGE_COLUMNS = 'correlation_id, method_type, channel, user_first_name, user_last_name, user_email, device_token_hint, last_position';

const challengeValues = (challenge: ChallengeContext) => {
  const { correlation_id, method_type, channel, user_first_name, user_last_name, user_email, device_token_hint, last_position } = challenge;
  return [correlation_id, method_type, channel, user_first_name, user_last_name, user_email, device_token_hint, last_position];
};

/** A repeated challenge id keeps its first row. */
function insertChallenge(db: Database.Database, challengeId: string, challenge: ChallengeContext): void {
  prepared(db, `INSERT OR IGNORE INTO sign_in_challenges (challenge_id, ${CHALLENGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    challengeId, ...challengeValues(challenge),
  );
}

function tableContext(db: Database.Database): SignInContext {
  return {
    challenge: (challengeId) =>
      prepared<[string], ChallengeContext>(db, `SELECT ${CHALLENGE_COLUMNS} FROM sign_in_challenges WHERE challenge_id = ?`).get(challengeId),
    methodDetail: (methodId) =>
      prepared<[string], { method_detail: string | null }>(db, 'SELECT method_detail FROM sign_in_methods WHERE method_id = ?').get(methodId)?.method_detail ?? null,
    risk: (requestId) => prepared<[string], Risk>(db, 'SELECT risk_level, risk_event_types FROM sign_in_risks WHERE request_id = ?').get(requestId),
    storeChallenge: (challengeId, challenge) => insertChallenge(db, challengeId, challenge),
    storeSignIn: (row) => prepared(db, INSERT_SIGN_IN).run(...row),
    flush: () => undefined,
    challengeEnded: () => undefined,
    attempted: (challengeId, position) => {
      prepared(db, 'UPDATE sign_in_challenges SET last_position = ? WHERE challenge_id = ?').run(position, challengeId);
    },
    methodStored: () => undefined,
    riskStored: () => undefined,
    fieldsErased: () => undefined,
  };
}

/** challenges whose whole context a rebuild keeps in memory: the open ones, the most recently issued first */
const OPEN_CHALLENGES_KEPT = 100_000;

/**
 * A rebuild's context: it starts from empty tables and sees every write, so the methods and risks it has stored are all
 * there is. Without the challenges' unique index (built at the end), it knows every challenge id it stored: an open
 * challenge by its context, kept from its issue to the answer that ends it, any other by its rowid, read back by it
 * when answered again or after newer challenges pushed it out (e.g. expired unanswered). About 90 bytes a challenge,
 * for the length of the rebuild. A challenge's row is held back until the batch ends, so the answers of the same batch
 * set its last position in memory; an answer in a later batch updates the written row by its rowid.
 */
function rebuildContext(db: Database.Database): SignInContext {
  const signIns = new BatchedInsert(db, INSERT_SIGN_INS, SIGN_IN_WIDTH);
  // rowids given, as SQLite would give them (one more than the last: rows are never deleted), since rows are held back
  const challengeRows = new BatchedInsert(db, `INSERT INTO sign_in_challenges (rowid, challenge_id, ${CHALLENGE_COLUMNS}) VALUES`, 10);
  const rowids = new Map<string, number>();
  // the rows not yet written, in rowid order; and the last positions of rows already written
  const held = new Map<string, unknown[]>();
  const lastPositions = new Map<number, number>();
  const writeChallenges = () => {
    for (const row of held.values()) challengeRows.push(row);
    held.clear();
    challengeRows.flush();
    for (const [rowid, position] of lastPositions) prepared(db, 'UPDATE sign_in_challenges SET last_position = ? WHERE rowid = ?').run(position, rowid);
    lastPositions.clear();
  };
  const open = new Map<string, ChallengeContext>();
  const methods = new Map<string, string>();
  const risks = new Map<string, Risk>();
  return {
    challenge(challengeId) {
      const challenge = open.get(challengeId);
      if (challenge) return challenge;
      const rowid = rowids.get(challengeId);
      if (rowid === undefined) return undefined;
      writeChallenges();
      return prepared<[number], ChallengeContext>(db, `SELECT ${CHALLENGE_COLUMNS} FROM sign_in_challenges WHERE rowid = ?`).get(rowid);
    },
    methodDetail: (methodId) => methods.get(methodId) ?? null,
    risk: (requestId) => risks.get(requestId),
    storeChallenge(challengeId, challenge) {
      if (rowids.has(challengeId)) return;
      const rowid = rowids.size + 1;
      rowids.set(challengeId, rowid);
      held.set(challengeId, [rowid, challengeId, ...challengeValues(challenge)]);
      open.set(challengeId, challenge);
      // Maps iterate in insertion order: the first key is the oldest open challenge
      if (open.size > OPEN_CHALLENGES_KEPT) open.delete(open.keys().next().value!);
    },
    challengeEnded: (challengeId) => open.delete(challengeId),
    attempted(challengeId, position) {
      const rowid = rowids.get(challengeId);
      if (rowid === undefined) return;
      const challenge = open.get(challengeId);
      if (challenge) challenge.last_position = position;
      const row = held.get(challengeId);
      // last_position is the row's last value
      if (row) row[row.length - 1] = position;
      else lastPositions.set(rowid, position);
    },
    methodStored: (methodId, detail) => methods.set(methodId, detail),
    riskStored: (requestId, risk) => risks.set(requestId, risk),
    storeSignIn: (row) => signIns.push(row),
    flush() {
      signIns.flush();
      writeChallenges();
    },
    fieldsErased(fields) {
      for (const challenge of open.values()) for (const field of fields) challenge[field] = null;
    },
  };
}

function applySignInEvent(db: Database.Database, event: ProjectionEvent<SignInsEventType>, context: SignInContext): void {
  switch (event.type) {
    case 'SignInLogFieldsChanged': {
      const { firstName, lastName, email } = event.data;
      context.flush();
      // fixed statements, one per field: no column name is ever built from data
      for (const table of ['sign_ins', 'sign_in_challenges'] as const) {
        if (!firstName) prepared(db, `UPDATE ${table} SET user_first_name = NULL WHERE user_first_name IS NOT NULL`).run();
        if (!lastName) prepared(db, `UPDATE ${table} SET user_last_name = NULL WHERE user_last_name IS NOT NULL`).run();
        if (!email) prepared(db, `UPDATE ${table} SET user_email = NULL WHERE user_email IS NOT NULL`).run();
      }
      const erased: UserField[] = [];
      if (!firstName) erased.push('user_first_name');
      if (!lastName) erased.push('user_last_name');
      if (!email) erased.push('user_email');
      context.fieldsErased(erased);
      return;
    }
    case 'MfaChallengeIssued': {
      const { challengeId, methodType, channel, ...data } = event.data;
      const [user_first_name, user_last_name, user_email] = fieldsOf(data);
      const challenge: ChallengeContext = {
        correlation_id: event.metadata.correlationId, method_type: methodType, channel, user_first_name, user_last_name, user_email,
        device_token_hint: data.deviceTokenHint ?? null, last_position: null,
      };
      context.storeChallenge(challengeId, challenge);
      return;
    }
    case 'RegistrationRequiredAtSignIn': {
      const { challengeId, userId, appId, clientIp, userAgent, at, reason, ...data } = event.data;
      context.storeSignIn([
        event.eventId, instant(at), userId, appId, clientIp, userAgent, event.metadata.correlationId, challengeId, null, 'interrupted', reason,
        REGISTRATION_REQUIRED_ERROR, event.position, null, null, null, ...fieldsOf(data), ...serverOf(event), data.deviceTokenHint ?? null,
      ]);
      return;
    }
    case 'MethodRegistered': {
      // the number itself is a private field of the mfa service: only its masked form is kept here
      const { methodId, phoneNumber } = event.data;
      if (!phoneNumber) return;
      const detail = maskedPhone(phoneNumber);
      prepared(db, 'INSERT OR REPLACE INTO sign_in_methods VALUES (?, ?)').run(methodId, detail);
      context.methodStored(methodId, detail);
      return;
    }
    case 'RiskDetected': {
      const { requestId, riskLevel, riskEventType } = event.data;
      if (!requestId) return;
      const known = context.risk(requestId);
      const level = known && RISK_ORDER.indexOf(known.risk_level) > RISK_ORDER.indexOf(riskLevel) ? known.risk_level : riskLevel;
      const types = JSON.stringify([...new Set([...(known ? (JSON.parse(known.risk_event_types) as string[]) : []), riskEventType])]);
      prepared(db, 'INSERT OR REPLACE INTO sign_in_risks VALUES (?, ?, ?)').run(requestId, level, types);
      // the sign-ins of the challenge read it through sign_ins_graph, whether they were written before it or come after
      context.riskStored(requestId, { risk_level: level, risk_event_types: types });
      return;
    }
    case 'MfaThrottled': {
      const { userId, limit, challengeId, clientIp, appId, at } = event.data;
      // an issue refused has no challenge: the episode's own id stands in for one, as an app password's attempt id does
      const challenge = challengeId ? context.challenge(challengeId) : undefined;
      const [methodType, channel] = challenge ? [challenge.method_type, challenge.channel] : throttledMethod[limit];
      context.storeSignIn([
        event.eventId, instant(at), userId, appId, clientIp, null, challenge?.correlation_id ?? event.metadata.correlationId, challengeId ?? event.eventId,
        methodType, 'throttled', limit, THROTTLED_ERROR, event.position, null, channel, null, challenge?.user_first_name ?? null, challenge?.user_last_name ?? null,
        challenge?.user_email ?? null, ...serverOf(event), challenge?.device_token_hint ?? null,
      ]);
      return;
    }
    case 'MfaBypassed': {
      const { challengeId, userId, appId, clientIp, userAgent, at, reason, ...data } = event.data;
      context.storeSignIn([
        event.eventId, instant(at), userId, appId, clientIp, userAgent, event.metadata.correlationId, challengeId, null, 'bypassed', reason, 0, event.position, null, null,
        null, ...fieldsOf(data), ...serverOf(event), data.deviceTokenHint ?? null,
      ]);
      return;
    }
  }
  const attempt = event;
  const { challengeId, userId, appId, clientIp, userAgent, at, methodId } = attempt.data;
  const challenge = context.challenge(challengeId);
  const endsChallenge = attempt.type === 'MfaApproved' || attempt.data.endsChallenge;
  // closed after an answer: that answer's row is the challenge's outcome, and the closing is no attempt of its own
  if (challenge?.last_position != null && closedUnanswered(attempt)) {
    if (endsChallenge) context.challengeEnded(challengeId);
    return;
  }
  // an app password sign-in has no challenge: its approval says so
  const channel = challenge ? challenge.channel : 'appPassword';
  const reason = attempt.type === 'MfaDenied' ? attempt.data.reason : null;
  context.storeSignIn([
    event.eventId,
    instant(at),
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
    methodId ? context.methodDetail(methodId) : null,
    // the answer carries no name: the challenge recorded it, as the setting stood when the sign-in began
    challenge?.user_first_name ?? null,
    challenge?.user_last_name ?? null,
    challenge?.user_email ?? null,
    ...serverOf(event),
    challenge?.device_token_hint ?? null,
  ]);
  context.attempted(challengeId, event.position);
  if (endsChallenge) context.challengeEnded(challengeId);
}

/**
 * A denial nobody answered: the expiry sweep closing a challenge left open (`expired`, or `timeout` for a push; the
 * sweep records as the system), or a newer texted or spoken code voiding it (`superseded`). A late answer denied as
 * expired is recorded as its caller's, and is an attempt like any other.
 */
function closedUnanswered(attempt: RecordedEvent<MfaApproved | MfaDenied>): boolean {
  if (attempt.type !== 'MfaDenied') return false;
  const { reason } = attempt.data;
  return reason === 'superseded' || ((reason === 'expired' || reason === 'timeout') && attempt.metadata.actor.type === 'system');
}

/**
 * Instants as `toISOString` writes them, so they compare as text in filters and keyset pages. One already in that form
 * is kept as it is (most are), but a day past the 28th goes through Date, which rolls e.g. February 30th into March.
 */
const CANONICAL_INSTANT = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;
const instant = (at: string) => (CANONICAL_INSTANT.test(at) ? at : new Date(at).toISOString());
