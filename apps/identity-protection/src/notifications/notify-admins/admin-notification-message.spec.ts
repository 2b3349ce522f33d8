import { adminNotificationFor, emailOf, webhookBodyOf } from './admin-notification-message';

const metadata = { correlationId: 'corr-1', occurredAt: '2026-11-21T10:00:05.000Z', actor: { type: 'analyst' } };
const event = (type: string, data: Record<string, unknown>) => ({ eventId: 'e0f8fad5-d9cb-469f-a165-70867728950e', type, data, metadata });

describe('the notification an event calls for', () => {
  it('tells of a fraud report: who, when, from where, and how to find it', () => {
    const notification = adminNotificationFor(
      event('SuspiciousActivityReported', { userId: 'alice', challengeId: 'ch-9', methodId: null, clientIp: '203.0.113.7', userAgent: 'x', appId: 'portal', at: '2026-11-21T10:00:00.000Z' }),
    );
    expect(notification).toEqual({
      kind: 'fraudReported',
      title: 'Fraud reported',
      summary: 'User alice reported an MFA request they did not start (fraud report).',
      userId: 'alice',
      occurredAt: '2026-11-21T10:00:00.000Z',
      correlationId: 'corr-1',
      triggerEventId: 'e0f8fad5-d9cb-469f-a165-70867728950e',
      triggerType: 'SuspiciousActivityReported',
      details: { challengeId: 'ch-9', clientIp: '203.0.113.7', appId: 'portal' },
    });
    const email = emailOf(notification!);
    expect(email.subject).toBe('[Bulwark] Fraud reported: alice');
    expect(email.text).toContain('User: alice\n');
    expect(email.text).toContain('When: 2026-11-21T10:00:00.000Z\n');
    expect(email.text).toContain('Event: SuspiciousActivityReported e0f8fad5-d9cb-469f-a165-70867728950e\n');
    expect(email.text).toContain('Correlation id: corr-1\n');
    expect(email.text).toContain('clientIp: 203.0.113.7\n');
    expect(email.text).not.toMatch(/https?:\/\//);
  });

  it('tells of a lockout and until when, or that only an admin unlocks it', () => {
    const timed = adminNotificationFor(event('AccountLockedOut', { userId: 'bob', lockedUntil: '2026-11-21T10:15:00.000Z', causedBy: ['c1', 'c2', 'c3'], settingsVersion: 2, at: metadata.occurredAt }));
    expect(timed).toMatchObject({
      kind: 'accountLockedOut',
      summary: 'User bob was locked out of MFA after too many failed attempts, until 2026-11-21T10:15:00.000Z.',
      details: { lockedUntil: '2026-11-21T10:15:00.000Z', failedChallenges: 3, lockoutSettingsVersion: 2 },
    });
    const forever = adminNotificationFor(event('AccountLockedOut', { userId: 'bob', lockedUntil: null, causedBy: [], settingsVersion: 1, at: metadata.occurredAt }));
    expect(forever?.summary).toContain('until an admin unlocks the account');
    expect(emailOf(forever!).text).toContain('lockedUntil: -\n');
  });

  it('tells of high user risk, naming the detection', () => {
    const notification = adminNotificationFor(event('RiskDetected', { userId: 'carol', riskEventType: 'mfaFatigue', riskLevel: 'high', detectionId: 'det-1', at: metadata.occurredAt }));
    expect(notification).toMatchObject({
      kind: 'highRiskDetected',
      title: 'High user risk detected',
      summary: 'High risk detected for user carol: mfaFatigue.',
      details: { riskEventType: 'mfaFatigue', riskLevel: 'high', detectionId: 'det-1' },
    });
    expect(emailOf(notification!).subject).toBe('[Bulwark] High user risk detected: carol');
  });

  it('stays quiet about risk below high, and about the detection of a fraud report already notified', () => {
    for (const riskLevel of ['low', 'medium', 'none', undefined]) {
      expect(adminNotificationFor(event('RiskDetected', { userId: 'carol', riskEventType: 'mfaSpray', riskLevel, detectionId: 'det-2' }))).toBeNull();
    }
    expect(adminNotificationFor(event('RiskDetected', { userId: 'carol', riskEventType: 'userReportedSuspiciousActivity', riskLevel: 'high', detectionId: 'det-3' }))).toBeNull();
  });

  it('tells of a user confirmed compromised, and by whom', () => {
    expect(adminNotificationFor(event('RiskyUserConfirmedCompromised', { userId: 'dave', at: metadata.occurredAt }))).toMatchObject({
      kind: 'userConfirmedCompromised',
      userId: 'dave',
      details: { confirmedBy: 'analyst' },
    });
  });

  it('falls back to the envelope time and leaves out what is missing or malformed', () => {
    const notification = adminNotificationFor(event('RiskDetected', { userId: 'erin', riskLevel: 'high', riskEventType: 42 }));
    expect(notification).toMatchObject({ occurredAt: metadata.occurredAt, summary: 'High risk detected for user erin.', details: { riskEventType: null, detectionId: null } });
  });

  it('calls for nothing without a user, or for another event type', () => {
    expect(adminNotificationFor(event('AccountLockedOut', { lockedUntil: null }))).toBeNull();
    expect(adminNotificationFor(event('AccountLockedOut', { userId: 7 }))).toBeNull();
    expect(adminNotificationFor(event('MfaDenied', { userId: 'alice' }))).toBeNull();
  });

  it('cannot be made to add a header or a line: control characters become ?', () => {
    const notification = adminNotificationFor(event('AccountLockedOut', { userId: 'mallory\r\nBcc: everyone@example.com', lockedUntil: null, causedBy: [], settingsVersion: 1 }));
    const email = emailOf(notification!);
    expect(email.subject).toBe('[Bulwark] Account locked out: mallory??Bcc: everyone@example.com');
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.text.split('\n').filter((line) => line.startsWith('Bcc:'))).toEqual([]);
  });

  it('gives a webhook versioned JSON carrying the delivery id', () => {
    const notification = adminNotificationFor(event('AccountLockedOut', { userId: 'bob', lockedUntil: null, causedBy: ['c1'], settingsVersion: 1, at: metadata.occurredAt }))!;
    expect(JSON.parse(webhookBodyOf(notification, 'delivery-1'))).toEqual({
      schemaVersion: 1,
      type: 'accountLockedOut',
      deliveryId: 'delivery-1',
      title: 'Account locked out',
      summary: notification.summary,
      userId: 'bob',
      occurredAt: metadata.occurredAt,
      correlationId: 'corr-1',
      triggerEventId: 'e0f8fad5-d9cb-469f-a165-70867728950e',
      triggerType: 'AccountLockedOut',
      details: { lockedUntil: null, failedChallenges: 1, lockoutSettingsVersion: 1 },
    });
  });
});
