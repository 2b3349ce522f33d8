import { RecordedEvent, SuspiciousActivityReported } from '@bulwark/contracts';
import { Projection, prepared } from '@bulwark/event-store';

/**
 * Risk detections and risky users in Microsoft Graph's shapes. A user's report of suspicious activity is an
 * offline detection of high risk, and puts the user at high risk.
 */
export const riskProjection: Projection = {
  name: 'identity_protection_risk',
  version: 1,
  eventTypes: ['SuspiciousActivityReported'],
  setup(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS risk_detections (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL, risk_event_type TEXT NOT NULL, risk_level TEXT NOT NULL, risk_state TEXT NOT NULL,
        risk_detail TEXT NOT NULL, detection_timing_type TEXT NOT NULL, activity TEXT NOT NULL, source TEXT NOT NULL,
        ip_address TEXT, correlation_id TEXT, request_id TEXT, activity_at TEXT NOT NULL, detected_at TEXT NOT NULL,
        last_updated_at TEXT NOT NULL, additional_info TEXT NOT NULL, position INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS risk_detections_by_time ON risk_detections (detected_at DESC, id);
      CREATE TABLE IF NOT EXISTS risky_users (
        user_id TEXT PRIMARY KEY, risk_level TEXT NOT NULL, risk_state TEXT NOT NULL, risk_detail TEXT NOT NULL, risk_last_updated_at TEXT NOT NULL
      ) WITHOUT ROWID;`);
  },
  reset(db) {
    db.exec('DELETE FROM risk_detections; DELETE FROM risky_users;');
  },
  apply(db, event) {
    const { userId, challengeId, clientIp, userAgent, at } = (event as unknown as RecordedEvent<SuspiciousActivityReported>).data;
    const additionalInfo = JSON.stringify([
      ...(userAgent ? [{ Key: 'userAgent', Value: userAgent }] : []),
      { Key: 'challengeId', Value: challengeId },
      { Key: 'eventIds', Value: [event.eventId] },
    ]);
    prepared(db, 
      `INSERT OR IGNORE INTO risk_detections VALUES (?, ?, 'userReportedSuspiciousActivity', 'high', 'atRisk', 'none', 'offline', 'signin',
        'endUserReported', ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(event.eventId, userId, clientIp, event.metadata.correlationId, challengeId, at, event.metadata.occurredAt, event.metadata.occurredAt, additionalInfo, event.position);
    prepared(db, 
      `INSERT INTO risky_users VALUES (?, 'high', 'atRisk', 'none', ?)
       ON CONFLICT (user_id) DO UPDATE SET risk_level = 'high', risk_state = 'atRisk', risk_detail = 'none', risk_last_updated_at = excluded.risk_last_updated_at`,
    ).run(userId, event.metadata.occurredAt);
  },
};
