/**
 * A realistic stream of domain events for the SIEM export bench: sign-ins of many users (challenges answered by
 * app code, push, SMS or call; approvals, denials, bypasses, registration prompts), now and then a lockout or a
 * fraud report with its cascade (risk detection, block, sessions revoked), and a few tenant settings changes.
 * Shapes follow libs/contracts; every event passes the registry's validation (see siem-bench.spec.ts).
 * Seeded, so two runs export the same mix.
 */
import { Actor, eventRegistry, NewEvent, streams } from '@bulwark/contracts';
import { randomUUID } from 'node:crypto';

export type MixedEvent = { streamId: string; event: NewEvent };

export type MixOptions = {
  users: number;
  seed: number;
  /** the time stamped in `at` and `occurredAt` of each event */
  now: () => Date;
  /** an event's id; random UUIDs unless told otherwise */
  eventId?: () => string;
};

const app: Actor = { type: 'app', id: 'key:app' };
const admin: Actor = { type: 'admin', id: 'key:admin' };
const system = (id: string): Actor => ({ type: 'system', id });

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same mix. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const USER_AGENTS = ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edge/131.0', 'Microsoft Office/16.0 (Windows NT 10.0; Outlook 16.0)', null];
const APPS = ['contoso-portal', 'contoso-vpn', 'outlook', null];
const CHANNELS = [
  { channel: 'appCode', methodType: 'softwareOath', weight: 0.45 },
  { channel: 'appNotification', methodType: 'softwareOath', weight: 0.35 },
  { channel: 'sms', methodType: 'phone', weight: 0.15 },
  { channel: 'voice', methodType: 'phone', weight: 0.05 },
] as const;

/**
 * Yields events one after another, forever; take as many as needed. A sign-in's events (challenge, then its
 * outcome, then what the outcome causes) come out together, as the services would commit them.
 */
export function* eventMix({ users, seed, now, eventId = randomUUID }: MixOptions): Generator<MixedEvent> {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const hex64 = () => {
    let out = '';
    for (let i = 0; i < 8; i++) out += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
    return out;
  };
  let emitted = 0;
  let settingsVersion = 1;
  let nextSettingsChange = 25_000;
  const event = (streamId: string, type: string, data: Record<string, unknown>, actor: Actor, correlationId: string, causationId: string | null = null): MixedEvent => {
    emitted += 1;
    return {
      streamId,
      event: { eventId: eventId(), type, data, metadata: { correlationId, causationId, actor, occurredAt: now().toISOString(), schemaVersion: eventRegistry.contractOf(type).schemaVersion } },
    };
  };

  while (true) {
    // every 25,000 events an admin changes a tenant setting: the SIEM sees configuration changes too
    if (emitted >= nextSettingsChange) {
      nextSettingsChange += 25_000;
      settingsVersion += 1;
      const at = now().toISOString();
      const correlationId = randomUUID();
      const which = settingsVersion % 3;
      if (which === 0) yield event(streams.tenantSettings, 'MfaTenantSettingsChanged', { enabledMethods: ['appNotification', 'appCode', 'sms'], trustedIpRanges: ['198.51.100.0/24'], rememberDeviceDays: 14, smsCodeLifetimeSeconds: 180, version: settingsVersion, at }, admin, correlationId);
      else if (which === 1) yield event(streams.lockoutSettings, 'LockoutSettingsChanged', { denialsBeforeLockout: 5 + (settingsVersion % 5), counterResetMinutes: 10, autoUnlockMinutes: 15, version: settingsVersion, at }, admin, correlationId);
      else
        yield event(
          streams.riskDetectionSettings,
          'RiskDetectionSettingsChanged',
          {
            mfaFatigue: { enabled: true, windowMinutes: 10, riskLevel: 'high', threshold: 5 },
            mfaSpray: { enabled: true, windowMinutes: 10, riskLevel: 'medium', distinctUsers: 5 },
            repeatedLockouts: { enabled: true, windowMinutes: 60, riskLevel: 'medium', threshold: 3 },
            version: settingsVersion,
            at,
          },
          admin,
          correlationId,
        );
      continue;
    }

    const userId = `user-${String(Math.floor(random() * users)).padStart(6, '0')}@contoso.com`;
    const stream = streams.userMfa(userId);
    const at = now().toISOString();
    const correlationId = randomUUID();
    const attempt = {
      userId,
      challengeId: randomUUID(),
      methodId: `m-${userId.slice(5, 11)}`,
      clientIp: `203.0.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`,
      userAgent: pick(USER_AGENTS),
      appId: pick(APPS),
      at,
    };
    const roll = random();
    if (roll < 0.04) {
      yield event(stream, 'MfaBypassed', { ...attempt, methodId: null, reason: random() < 0.5 ? 'trustedIp' : 'rememberedDevice', sessionId: randomUUID(), settingsVersion }, app, correlationId);
      continue;
    }
    if (roll < 0.05) {
      yield event(stream, 'RegistrationRequiredAtSignIn', { ...attempt, methodId: null, reason: 'noMethods', required: true, canPostpone: false, postponeUntil: null, policyVersion: 1 }, app, correlationId);
      continue;
    }
    let choice = random();
    const { channel, methodType } = CHANNELS.find((candidate) => (choice -= candidate.weight) < 0) ?? CHANNELS[0];
    const expiresAt = new Date(Date.parse(at) + 180_000).toISOString();
    const issued = event(stream, 'MfaChallengeIssued', { ...attempt, methodType, channel, codeHash: channel === 'appCode' ? null : hex64(), expiresAt }, app, correlationId);
    yield issued;
    const outcome = random();
    if (outcome < 0.8) {
      yield event(stream, 'MfaApproved', { ...attempt, timeStep: channel === 'appCode' ? Math.floor(Date.parse(at) / 30_000) : null, channel, sessionId: randomUUID() }, app, correlationId, issued.event.eventId);
    } else if (outcome < 0.98) {
      const reason = channel === 'appNotification' ? pick(['userDeclined', 'timeout', 'wrongNumber'] as const) : pick(['wrongCode', 'wrongCode', 'expired'] as const);
      const denied = event(stream, 'MfaDenied', { ...attempt, reason, endsChallenge: reason !== 'wrongCode' }, app, correlationId, issued.event.eventId);
      yield denied;
      if (random() < 0.03) {
        yield event(stream, 'AccountLockedOut', { userId, lockedUntil: new Date(Date.parse(at) + 15 * 60_000).toISOString(), causedBy: [attempt.challengeId], factor: channel === 'appNotification' ? 'push' : 'oneTimeCode', settingsVersion, at }, app, correlationId, denied.event.eventId);
      }
    } else {
      // a fraud report and what it sets off: a detection, a block, the user's sessions revoked
      const denied = event(stream, 'MfaDenied', { ...attempt, reason: 'fraudReported', endsChallenge: true }, app, correlationId, issued.event.eventId);
      yield denied;
      const reported = event(stream, 'SuspiciousActivityReported', { ...attempt, autoBlockOnFraud: true }, app, correlationId, denied.event.eventId);
      yield reported;
      const detection = event(
        streams.userRisk(userId),
        'RiskDetected',
        {
          detectionId: `det-${reported.event.eventId}`,
          userId,
          riskEventType: 'userReportedSuspiciousActivity',
          riskLevel: 'high',
          detectionTimingType: 'offline',
          source: 'endUserReported',
          activity: 'signin',
          ipAddress: attempt.clientIp,
          eventIds: [reported.event.eventId],
          requestId: attempt.challengeId,
          at,
        },
        system('identity-protection'),
        correlationId,
        reported.event.eventId,
      );
      yield detection;
      yield event(streams.userProtection(userId), 'UserBlocked', { userId, reason: 'fraud reported', blockedUntil: new Date(Date.parse(at) + 90 * 86_400_000).toISOString(), at }, system('identity-protection'), correlationId, reported.event.eventId);
      yield event(streams.userSessions(userId), 'SessionsRevoked', { userId, reason: 'user blocked', at }, system('sessions'), correlationId, detection.event.eventId);
    }
  }
}

/** The first `count` events of a mix. */
export function takeEvents(mix: Iterator<MixedEvent>, count: number): MixedEvent[] {
  const out: MixedEvent[] = [];
  while (out.length < count) out.push(mix.next().value as MixedEvent);
  return out;
}
