import { RecordedEvent, UserRiskEvent } from '@bulwark/contracts';
import { Projection, ProjectionEvent, prepared } from '@bulwark/event-store';
import Database from 'better-sqlite3';
import { riskOf, userRiskDecider, UserRiskState } from '../user-risk/user-risk.decider';

const riskEvents = ['RiskDetected', 'RiskyUserConfirmedCompromised', 'RiskyUserConfirmedSafe', 'RiskyUserDismissed', 'RiskRemediationRequested'] as const;
/** What was done about a risky user outside the risk stream: shown in the user's history, with who did it. */
const actionEvents = ['UserBlocked', 'UserUnblocked', 'SessionsRevoked', 'MfaReregistrationRequired', 'MfaApproved'] as const;
type RiskProjectionEventType = (typeof riskEvents)[number] | (typeof actionEvents)[number];
type RiskProjectionEvent = ProjectionEvent<RiskProjectionEventType>;

/** The detections' state after a triage of their user: Graph shows dismissed detections as dismissed, and so on. */
const triageOfDetections: Record<string, { from: string[]; state: string; detail: string }> = {
  RiskyUserConfirmedCompromised: { from: ['atRisk'], state: 'confirmedCompromised', detail: 'adminConfirmedUserCompromised' },
  RiskyUserConfirmedSafe: { from: ['atRisk', 'confirmedCompromised'], state: 'confirmedSafe', detail: 'adminConfirmedAccountSafe' },
  RiskyUserDismissed: { from: ['atRisk', 'confirmedCompromised'], state: 'dismissed', detail: 'adminDismissedAllRiskForUser' },
};

export type HistoryRow = {
  event_id: string; user_id: string; position: number; event_type: string; at: string; risk_level: string; risk_state: string; risk_detail: string;
  risk_last_updated_at: string | null; initiated_by: string; risk_event_types: string; note: string | null;
};

/** Who did it, as riskyUserHistoryItem.initiatedBy: the role key's id, or `system:<service>`. */
export const initiatorOf = (event: RecordedEvent) => (event.metadata.actor.type === 'system' ? `system:${event.metadata.actor.id}` : event.metadata.actor.id);

/**
 * Risk detections, risky users and their history in Microsoft Graph's shapes, from users' risk streams
 * (`user_risk-<userId>`). A user's state is the risk decider's own fold, kept as JSON beside the row, so the read
 * model and the decisions can never disagree on what a detection or a triage does to the risk.
 * Version 2: from RiskDetected and the triage events, no longer straight from SuspiciousActivityReported.
 */
export const riskProjection: Projection<RiskProjectionEventType> = {
  name: 'identity_protection_risk',
  version: 2,
  eventTypes: [...riskEvents, ...actionEvents],
  setup(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS risk_detections (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL, risk_event_type TEXT NOT NULL, risk_level TEXT NOT NULL, risk_state TEXT NOT NULL,
        risk_detail TEXT NOT NULL, detection_timing_type TEXT NOT NULL, activity TEXT NOT NULL, source TEXT NOT NULL,
        ip_address TEXT, correlation_id TEXT, request_id TEXT, activity_at TEXT NOT NULL, detected_at TEXT NOT NULL,
        last_updated_at TEXT NOT NULL, additional_info TEXT NOT NULL, position INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS risk_detections_by_time ON risk_detections (detected_at DESC, id);
      CREATE INDEX IF NOT EXISTS risk_detections_by_user ON risk_detections (user_id, risk_state);
      CREATE TABLE IF NOT EXISTS risky_users (
        user_id TEXT PRIMARY KEY, risk_level TEXT NOT NULL, risk_state TEXT NOT NULL, risk_detail TEXT NOT NULL, risk_last_updated_at TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS risky_users_by_update ON risky_users (risk_last_updated_at DESC, user_id DESC);
      CREATE TABLE IF NOT EXISTS user_risk_states (user_id TEXT PRIMARY KEY, state TEXT NOT NULL, last_history_type TEXT) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS risky_user_history (
        event_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, position INTEGER NOT NULL, event_type TEXT NOT NULL, at TEXT NOT NULL,
        risk_level TEXT NOT NULL, risk_state TEXT NOT NULL, risk_detail TEXT NOT NULL, risk_last_updated_at TEXT, initiated_by TEXT NOT NULL,
        risk_event_types TEXT NOT NULL, note TEXT
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS risky_user_history_by_user ON risky_user_history (user_id, position);`);
  },
  reset(db) {
    db.exec('DELETE FROM risk_detections; DELETE FROM risky_users; DELETE FROM user_risk_states; DELETE FROM risky_user_history;');
  },
  apply(db, event) {
    // every event this projection keeps leaves a history row by its id: one already there was applied before (a
    // rewound checkpoint, a redelivery), and folding it again would count its detection twice
    if (prepared<[string], { found: 1 }>(db, 'SELECT 1 AS found FROM risky_user_history WHERE event_id = ?').get(event.eventId)) return;
    const userId = (event.data as { userId: string }).userId;
    const stored = prepared<[string], { state: string; last_history_type: string | null }>(db, 'SELECT state, last_history_type FROM user_risk_states WHERE user_id = ?').get(userId);
    if ((riskEvents as readonly string[]).includes(event.type)) {
      const before: UserRiskState = stored ? JSON.parse(stored.state) : userRiskDecider.initialState();
      const after = userRiskDecider.evolve(before, event as unknown as UserRiskEvent);
      applyRiskEvent(db, event, after);
      return;
    }
    // actions are history only for users with a risk record; a sign-in only as the first one after an unblock
    if (!stored) return;
    if (event.type === 'MfaApproved' && stored.last_history_type !== 'UserUnblocked') return;
    addHistory(db, event, JSON.parse(stored.state), noteOf(event));
  },
};

function applyRiskEvent(db: Database.Database, event: RiskProjectionEvent, state: UserRiskState): void {
  const userId = (event.data as { userId: string }).userId;
  const risk = riskOf(state);
  const occurredAt = event.metadata.occurredAt;
  if (event.type === 'RiskDetected') {
    const detection = event.data;
    const additionalInfo = JSON.stringify([
      ...Object.entries(detection.additionalInfo ?? {}).map(([Key, Value]) => ({ Key, Value })),
      ...(detection.additionalInfo?.correlationId ? [] : [{ Key: 'correlationId', Value: event.metadata.correlationId }]),
      { Key: 'eventIds', Value: detection.eventIds },
    ]);
    prepared(db, `INSERT OR IGNORE INTO risk_detections VALUES (?, ?, ?, ?, 'atRisk', 'none', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      detection.detectionId, userId, detection.riskEventType, detection.riskLevel, detection.detectionTimingType, detection.activity, detection.source,
      detection.ipAddress ?? null, event.metadata.correlationId, detection.requestId ?? null, detection.activityAt ?? detection.at, detection.at, detection.at,
      additionalInfo, event.position,
    );
  }
  const triage = triageOfDetections[event.type];
  if (triage) {
    prepared(db, `UPDATE risk_detections SET risk_state = ?, risk_detail = ?, last_updated_at = ? WHERE user_id = ? AND risk_state IN (SELECT value FROM json_each(?))`).run(
      triage.state, triage.detail, occurredAt, userId, JSON.stringify(triage.from),
    );
  }
  prepared(db, `INSERT INTO risky_users VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET risk_level = excluded.risk_level,
     risk_state = excluded.risk_state, risk_detail = excluded.risk_detail, risk_last_updated_at = excluded.risk_last_updated_at`).run(
    userId, risk.riskLevel, risk.riskState, risk.riskDetail, risk.riskLastUpdatedDateTime ?? occurredAt,
  );
  prepared(db, `INSERT INTO user_risk_states (user_id, state) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET state = excluded.state`).run(userId, JSON.stringify(state));
  addHistory(db, event, state, noteOf(event));
}

function addHistory(db: Database.Database, event: RiskProjectionEvent, state: UserRiskState, note: string | null): void {
  const userId = (event.data as { userId: string }).userId;
  const risk = riskOf(state);
  const types = state.status === 'Unknown' ? [] : state.openRiskEventTypes;
  prepared(db, 'INSERT OR IGNORE INTO risky_user_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
    event.eventId, userId, event.position, event.type, event.metadata.occurredAt, risk.riskLevel, risk.riskState, risk.riskDetail,
    risk.riskLastUpdatedDateTime, initiatorOf(event), JSON.stringify(types), note,
  );
  prepared(db, 'UPDATE user_risk_states SET last_history_type = ? WHERE user_id = ?').run(event.type, userId);
}

/** A line for people saying what the history item is about (never a secret). */
function noteOf(event: RiskProjectionEvent): string | null {
  switch (event.type) {
    case 'RiskDetected': {
      const { riskEventType, riskLevel, detail } = event.data;
      return `${riskEventType} (${riskLevel})${detail ? `: ${detail}` : ''}`;
    }
    case 'RiskRemediationRequested': {
      const { actions, reportOnly, riskLevel } = event.data;
      return `risk policy for ${riskLevel} risk${reportOnly ? ' (report only: nothing done)' : ''}: ${actions.join(', ')}`;
    }
    case 'RiskyUserConfirmedCompromised':
      return 'user confirmed compromised';
    case 'RiskyUserConfirmedSafe':
      return 'user confirmed safe';
    case 'RiskyUserDismissed':
      return 'all risk of the user dismissed';
    case 'UserBlocked':
      return `blocked: ${event.data.reason}`;
    case 'UserUnblocked':
      return `unblocked: ${event.data.reason}`;
    case 'SessionsRevoked':
      return `sessions revoked${(event.data as { reason?: string | null }).reason ? `: ${(event.data as { reason: string }).reason}` : ''}`;
    case 'MfaReregistrationRequired':
      return 'MFA re-registration required: every method removed';
    case 'MfaApproved':
      return 'signed in (MFA approved)';
    default:
      return null;
  }
}
