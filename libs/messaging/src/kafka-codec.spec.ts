import { eventRegistry, RecordedEvent } from '@bulwark/contracts';
import { decodeEvent, encodeEvent } from './kafka-codec';

/** Records an older build published (version 1 of MfaChallengeIssued and MfaApproved) still sit on the topic. */
describe('the Kafka codec reads an older shape as the current one', () => {
  const at = '2026-03-01T09:00:00.000Z';
  const attempt = { userId: 'ada', challengeId: 'ch-1', methodId: 'm-app', clientIp: '10.0.0.7', userAgent: null, appId: null, at };
  const recorded = (type: string, data: Record<string, unknown>, revision: number): RecordedEvent => ({
    eventId: `6f1c2a4e-1b7d-4c1e-9a51-3f0b1c2d4e5${revision}`,
    type,
    data,
    metadata: { correlationId: 'corr-old', causationId: null, actor: { type: 'app', id: 'key:app' }, occurredAt: at, schemaVersion: 1 },
    streamId: 'user_mfa-ada',
    revision,
    position: 100 + revision,
  });
  // as the old build's encodeEvent wrote them: the envelope as stored, private fields left behind
  const published = (event: RecordedEvent) => Buffer.from(encodeEvent(eventRegistry, event).value);

  it('gives a challenge from before channels its app code channel, and no private code hash', () => {
    const old = recorded('MfaChallengeIssued', { ...attempt, methodType: 'softwareOath', expiresAt: '2026-03-01T09:05:00.000Z' }, 0);
    const decoded = decodeEvent(eventRegistry, published(old));
    expect(decoded).toEqual({ ...old, data: { ...old.data, channel: 'appCode' }, metadata: { ...old.metadata, schemaVersion: 2 } });
    expect(decoded.data).not.toHaveProperty('codeHash');
  });

  it('gives an approval from before channels its app code channel', () => {
    const old = recorded('MfaApproved', { ...attempt, timeStep: 59_000_000, sessionId: 's-1' }, 1);
    expect(decodeEvent(eventRegistry, published(old))).toEqual({ ...old, data: { ...old.data, channel: 'appCode' }, metadata: { ...old.metadata, schemaVersion: 2 } });
  });

  it('passes a current record through as it is', () => {
    const current = { ...recorded('MfaApproved', { ...attempt, timeStep: null, channel: 'sms', sessionId: 's-1' }, 2), metadata: { ...recorded('MfaApproved', {}, 2).metadata, schemaVersion: 2 } };
    expect(decodeEvent(eventRegistry, published(current))).toEqual(current);
  });
});
