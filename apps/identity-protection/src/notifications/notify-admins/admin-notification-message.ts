/**
 * What an admin is told, made from the event that triggered it. Pure: the reaction builds the notification once,
 * the outbox keeps it, and each channel renders it. Event data is read defensively (the risk events come from
 * other writers and other versions): a field that is missing or not a string is left out, never guessed.
 * No link, no code, no secret: the receiver learns what happened, to whom, when, and how to find it in the logs.
 */

/** The event types that notify admins; RiskDetected only at riskLevel high. */
export const TRIGGER_TYPES = ['SuspiciousActivityReported', 'AccountLockedOut', 'RiskDetected', 'RiskyUserConfirmedCompromised'] as const;

export type NotificationKind = 'fraudReported' | 'accountLockedOut' | 'highRiskDetected' | 'userConfirmedCompromised' | 'test';

export type AdminNotification = {
  kind: NotificationKind;
  title: string;
  summary: string;
  /** null only in a test notification */
  userId: string | null;
  occurredAt: string;
  correlationId: string;
  triggerEventId: string;
  triggerType: string;
  /** a few facts worth a glance, by name; strings, numbers or null only */
  details: Record<string, string | number | null>;
};

type TriggerEvent = {
  eventId: string;
  type: string;
  data: Record<string, unknown>;
  metadata: { correlationId: string; occurredAt: string; actor?: { type: string } };
};

const TITLES: Record<NotificationKind, string> = {
  fraudReported: 'Fraud reported',
  accountLockedOut: 'Account locked out',
  highRiskDetected: 'High user risk detected',
  userConfirmedCompromised: 'User confirmed compromised',
  test: 'Test notification',
};

/** The notification an event calls for, or null when it calls for none. */
export function adminNotificationFor(event: TriggerEvent): AdminNotification | null {
  const data = event.data ?? {};
  const userId = text(data.userId, 256);
  if (!userId) return null;
  const occurredAt = text(data.at, 40) ?? event.metadata.occurredAt;
  const base = { userId, occurredAt, correlationId: event.metadata.correlationId, triggerEventId: event.eventId, triggerType: event.type };
  const make = (kind: NotificationKind, summary: string, details: AdminNotification['details']): AdminNotification => ({
    kind,
    title: TITLES[kind],
    summary,
    ...base,
    details: Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined)),
  });

  switch (event.type) {
    case 'SuspiciousActivityReported':
      return make('fraudReported', `User ${userId} reported an MFA request they did not start (fraud report).`, {
        challengeId: text(data.challengeId, 200),
        clientIp: text(data.clientIp, 64),
        appId: text(data.appId, 200),
      });
    case 'AccountLockedOut': {
      const until = text(data.lockedUntil, 40);
      return make('accountLockedOut', `User ${userId} was locked out of MFA after too many failed attempts, ${until ? `until ${until}` : 'until an admin unlocks the account'}.`, {
        lockedUntil: until,
        failedChallenges: Array.isArray(data.causedBy) ? data.causedBy.length : null,
        lockoutSettingsVersion: typeof data.settingsVersion === 'number' ? data.settingsVersion : null,
      });
    }
    case 'RiskDetected': {
      if (data.riskLevel !== 'high') return null;
      const riskEventType = text(data.riskEventType, 100);
      // a user's fraud report is notified as such (SuspiciousActivityReported); its risk detection would say it twice
      if (riskEventType === 'userReportedSuspiciousActivity') return null;
      return make('highRiskDetected', `High risk detected for user ${userId}${riskEventType ? `: ${riskEventType}` : ''}.`, {
        riskEventType,
        riskLevel: 'high',
        detectionId: text(data.detectionId, 200),
      });
    }
    case 'RiskyUserConfirmedCompromised':
      return make('userConfirmedCompromised', `User ${userId} was confirmed compromised; their user risk is high.`, {
        confirmedBy: text(event.metadata.actor?.type, 20),
      });
    default:
      return null;
  }
}

/** What an admin's "send a test" sends: no user, no trigger event, the request's correlation id. */
export function testNotification(id: string, occurredAt: string, correlationId: string): AdminNotification {
  return {
    kind: 'test',
    title: TITLES.test,
    summary: 'An admin asked Bulwark to send this test notification to every receiver. Nothing else happened.',
    userId: null,
    occurredAt,
    correlationId,
    triggerEventId: id,
    triggerType: 'NotificationTest',
    details: {},
  };
}

export function emailOf(notification: AdminNotification): { subject: string; text: string } {
  const facts = Object.entries(notification.details).map(([name, value]) => `${name}: ${value ?? '-'}`);
  return {
    subject: `[Bulwark] ${notification.title}${notification.userId === null ? '' : `: ${notification.userId}`}`,
    text: [
      notification.summary,
      '',
      `What happened: ${notification.title}`,
      `User: ${notification.userId ?? '-'}`,
      `When: ${notification.occurredAt}`,
      `Event: ${notification.triggerType} ${notification.triggerEventId}`,
      `Correlation id: ${notification.correlationId}`,
      ...facts,
      '',
      'Find the user in the risky users, lockouts and sign-in logs of Bulwark by the user or correlation id above.',
      'You receive this because your address is in the admin notification settings of Bulwark.',
      '',
    ].join('\n'),
  };
}

/** The webhook's JSON: versioned, so a receiver can tell shapes apart. */
export function webhookBodyOf(notification: AdminNotification, deliveryId: string): string {
  return JSON.stringify({
    schemaVersion: 1,
    type: notification.kind,
    deliveryId,
    title: notification.title,
    summary: notification.summary,
    userId: notification.userId,
    occurredAt: notification.occurredAt,
    correlationId: notification.correlationId,
    triggerEventId: notification.triggerEventId,
    triggerType: notification.triggerType,
    details: notification.details,
  });
}

/** A string without control characters (no header or line injection), cut to a length; null for anything else. */
function text(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null;
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?').slice(0, max);
  return clean.length ? clean : null;
}
