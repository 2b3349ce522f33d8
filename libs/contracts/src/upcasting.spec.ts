import { z } from 'zod';
import { EventMetadata, NewEvent } from './envelope';
import { eventRegistry } from './index';
import { EventRegistry, InvalidEventError } from './registry';
import { upcaster } from './upcasting';

// A made-up contract with a history of three versions, to show the chain at work:
//   v1 { name }                       one field holding "given family"
//   v2 { givenName, familyName }      the name split in two
//   v3 { givenName, familyName, source }  where the name came from: v1 and v2 were all typed by an admin, except
//                                     those written by the directory sync (known only from the envelope's actor)
const v1 = z.object({ userId: z.string(), name: z.string().min(1) });
const v2 = z.object({ userId: z.string(), givenName: z.string(), familyName: z.string() });
const v3 = z.object({ userId: z.string(), givenName: z.string(), familyName: z.string(), source: z.enum(['admin', 'sync']), secret: z.string().nullable() });

const split = upcaster(1, v1, ({ name, ...data }) => {
  const [givenName = '', ...rest] = name.split(' ');
  return { ...data, givenName, familyName: rest.join(' ') };
});
const sourced = upcaster(2, v2, (data, metadata) => ({ ...data, source: metadata.actor.type === 'system' ? ('sync' as const) : ('admin' as const), secret: null }));

const registry = new EventRegistry([
  { type: 'NameRecorded', schemaVersion: 3, schema: v3, privateFields: ['secret'], upcasters: [sourced, split] },
]);

const metadata = (schemaVersion: number, actor: EventMetadata['actor'] = { type: 'admin', id: 'key:admin' }): EventMetadata => ({
  correlationId: 'corr-1',
  causationId: null,
  actor,
  occurredAt: '2026-11-21T10:00:00.000Z',
  schemaVersion,
});
const stored = (schemaVersion: number, data: Record<string, unknown>, actor?: EventMetadata['actor']): NewEvent => ({
  eventId: '6f1c2a4e-1b7d-4c1e-9a51-3f0b1c2d4e5f',
  type: 'NameRecorded',
  data,
  metadata: metadata(schemaVersion, actor),
});

describe('upcasting on read', () => {
  it('brings version 1 through every step to the current shape, and says it is current', () => {
    const old = stored(1, { userId: 'u1', name: 'Ada King Lovelace' });
    const read = registry.decode(old);
    expect(read.data).toEqual({ userId: 'u1', givenName: 'Ada', familyName: 'King Lovelace', source: 'admin', secret: null });
    expect(read.metadata).toEqual(metadata(3));
    // the stored event is not touched: it keeps the version it was written at
    expect(old.metadata.schemaVersion).toBe(1);
    expect(old.data).toEqual({ userId: 'u1', name: 'Ada King Lovelace' });
  });

  it('starts the chain at the version an event was written at', () => {
    expect(registry.decode(stored(2, { userId: 'u1', givenName: 'Ada', familyName: 'Lovelace' })).data).toEqual({
      userId: 'u1', givenName: 'Ada', familyName: 'Lovelace', source: 'admin', secret: null,
    });
  });

  it('lets a step read the envelope: who wrote the old event', () => {
    const read = registry.decode(stored(1, { userId: 'u1', name: 'Ada Lovelace' }, { type: 'system', id: 'directory-sync' }));
    expect(read.data).toMatchObject({ source: 'sync' });
  });

  it('returns an event already at the current version as it is', () => {
    const current = stored(3, { userId: 'u1', givenName: 'Ada', familyName: 'Lovelace', source: 'sync', secret: 'x' });
    expect(registry.decode(current)).toBe(current);
  });

  it('checks old data against its frozen shape, naming the version', () => {
    expect(() => registry.decode(stored(1, { userId: 'u1', name: '' }))).toThrow(/data \(as version 1\)\.name/);
    expect(() => registry.decode(stored(2, { userId: 'u1', name: 'Ada Lovelace' }))).toThrow(InvalidEventError);
  });

  it('refuses a version newer than this build knows', () => {
    expect(() => registry.decode(stored(4, { userId: 'u1', givenName: 'Ada', familyName: 'Lovelace', source: 'sync', secret: null }))).toThrow(
      'metadata.schemaVersion: NameRecorded is at version 3, got 4',
    );
  });

  it('appends only the current version: upcasting is for reading', () => {
    expect(() => registry.validate(stored(1, { userId: 'u1', name: 'Ada Lovelace' }))).toThrow('NameRecorded is at version 3, got 1');
  });

  it('leaves private fields behind when the event came from another service, even one a step filled in', () => {
    const read = registry.decodePublic(stored(2, { userId: 'u1', givenName: 'Ada', familyName: 'Lovelace' }));
    expect(read.data).toEqual({ userId: 'u1', givenName: 'Ada', familyName: 'Lovelace', source: 'admin' });
    expect(read.metadata.schemaVersion).toBe(3);
  });

  it('refuses a contract whose chain has a gap, or a step at or beyond its version', () => {
    expect(() => new EventRegistry([{ type: 'NameRecorded', schemaVersion: 3, schema: v3, upcasters: [split] }])).toThrow(
      'event type NameRecorded is at version 3 but has no upcaster from version 2',
    );
    expect(() => new EventRegistry([{ type: 'NameRecorded', schemaVersion: 2, schema: v2, upcasters: [split, sourced] }])).toThrow(
      'the upcaster from version 2 is repeated or not below the current version 2',
    );
  });
});

describe('the real histories', () => {
  const attempt = { userId: 'ada', challengeId: 'ch-1', methodId: 'm-app', clientIp: '10.0.0.7', userAgent: null, appId: null, at: '2026-11-21T10:00:00.000Z' };
  const old = (type: string, data: Record<string, unknown>): NewEvent => ({ eventId: '6f1c2a4e-1b7d-4c1e-9a51-3f0b1c2d4e5f', type, data, metadata: metadata(1) });

  it('reads a challenge issued before channels as an app code with no code hash', () => {
    const read = eventRegistry.decode(old('MfaChallengeIssued', { ...attempt, methodType: 'softwareOath', expiresAt: '2026-11-21T10:05:00.000Z' }));
    expect(read.data).toEqual({ ...attempt, methodType: 'softwareOath', channel: 'appCode', codeHash: null, expiresAt: '2026-11-21T10:05:00.000Z' });
    expect(read.metadata.schemaVersion).toBe(2);
  });

  it('reads an approval recorded before channels as an app code answer', () => {
    const read = eventRegistry.decode(old('MfaApproved', { ...attempt, timeStep: 12, sessionId: 's-1' }));
    expect(read.data).toEqual({ ...attempt, timeStep: 12, channel: 'appCode', sessionId: 's-1' });
  });

  it('keeps what a version 1 event named itself', () => {
    const hash = 'a'.repeat(64);
    const read = eventRegistry.decode(old('MfaChallengeIssued', { ...attempt, methodType: 'phone', channel: 'sms', codeHash: hash, expiresAt: '2026-11-21T10:05:00.000Z' }));
    expect(read.data).toMatchObject({ channel: 'sms', codeHash: hash });
    expect(eventRegistry.decode(old('MfaApproved', { ...attempt, timeStep: null, channel: 'appNotification', sessionId: 's-1' })).data).toMatchObject({ channel: 'appNotification' });
  });

  it('writes the current shape only: a new challenge must name its channel', () => {
    const current = { ...old('MfaApproved', { ...attempt, timeStep: 12, sessionId: 's-1' }), metadata: metadata(2) };
    expect(() => eventRegistry.validate(current)).toThrow('data.channel');
  });
});
