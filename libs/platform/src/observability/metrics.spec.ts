import { DomainEvent, eventRegistry, streams } from '@bulwark/contracts';
import { envelope, SqliteEventStore, WrongExpectedRevisionError } from '@bulwark/event-store';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BulwarkMetrics } from './metrics';

const at = '2026-03-02T10:00:00.000Z';
const attempt = (challengeId: string, methodId: string | null = 'm1') => ({ userId: 'ida', challengeId, methodId, clientIp: '203.0.113.7', userAgent: null, appId: null, at });
const issued = (challengeId: string, methodType: 'phone' | 'softwareOath', channel: 'sms' | 'appCode'): DomainEvent => ({
  type: 'MfaChallengeIssued',
  data: { ...attempt(challengeId), methodType, channel, codeHash: null, expiresAt: '2026-03-02T10:05:00.000Z' },
});
const denied = (challengeId: string, reason: string, methodId: string | null = 'm1'): DomainEvent => ({ type: 'MfaDenied', data: { ...attempt(challengeId, methodId), reason, endsChallenge: true } });
const context = { correlationId: 'c1', actor: { type: 'app' as const, id: 'key:app' }, now: new Date(at) };
const stream = streams.userMfa('ida');
/** A histogram's `_count` sample (prom-client names each sample of a histogram). */
const isCount = (sample: object) => (sample as { metricName?: string }).metricName?.endsWith('_count') ?? false;

describe('metrics counted where events are appended', () => {
  const file = () => path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-metrics-')), 'events.db');
  const outcomes = async (metrics: BulwarkMetrics) =>
    (await metrics.registry.getSingleMetric('bulwark_mfa_outcomes_total')!.get()).values.map(({ labels, value }) => ({ ...labels, value }));
  const until = async (condition: () => Promise<boolean>) => {
    for (let round = 0; round < 100 && !(await condition()); round++) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it('counts an at-least-once retry of the same events once', async () => {
    const metrics = new BulwarkMetrics('test', { processMetrics: false });
    const store = metrics.instrumentStore(new SqliteEventStore(file(), eventRegistry));
    const events = envelope([issued('ch1', 'softwareOath', 'appCode'), denied('ch1', 'wrongCode')], context);
    await store.append(stream, events, { expectedRevision: 'no_stream' });
    await store.append(stream, events, { expectedRevision: 'no_stream' });
    expect(await outcomes(metrics)).toEqual([{ outcome: 'denied', reason: 'wrongCode', method: 'softwareOath', channel: 'appCode', value: 1 }]);
    const appended = await metrics.registry.getSingleMetric('bulwark_event_store_append_duration_seconds')!.get();
    expect(appended.values.find(isCount)).toMatchObject({ labels: { store: 'sqlite', outcome: 'ok' }, value: 2 });
    await store.close();
  });

  it('finds the method and channel of a challenge issued before the process started in its stream', async () => {
    const dbFile = file();
    const before = new SqliteEventStore(dbFile, eventRegistry);
    await before.append(stream, envelope([issued('ch2', 'phone', 'sms')], context), { expectedRevision: 'no_stream' });
    await before.close();

    const metrics = new BulwarkMetrics('test', { processMetrics: false });
    const store = metrics.instrumentStore(new SqliteEventStore(dbFile, eventRegistry));
    await store.append(stream, envelope([denied('ch2', 'expired')], context), { expectedRevision: 0 });
    await until(async () => (await outcomes(metrics)).length > 0);
    expect(await outcomes(metrics)).toEqual([{ outcome: 'denied', reason: 'expired', method: 'phone', channel: 'sms', value: 1 }]);
    await store.close();
  });

  it('labels a wrong app password, which no challenge precedes, as an app password attempt', async () => {
    const metrics = new BulwarkMetrics('test', { processMetrics: false });
    const store = metrics.instrumentStore(new SqliteEventStore(file(), eventRegistry));
    await store.append(stream, envelope([denied('attempt-1', 'wrongCode', null)], context), { expectedRevision: 'any' });
    await until(async () => (await outcomes(metrics)).length > 0);
    expect(await outcomes(metrics)).toEqual([{ outcome: 'denied', reason: 'wrongCode', method: 'appPassword', channel: 'appPassword', value: 1 }]);
    await store.close();
  });

  it('times a refused append as a conflict and counts none of its events', async () => {
    const metrics = new BulwarkMetrics('test', { processMetrics: false });
    const store = metrics.instrumentStore(new SqliteEventStore(file(), eventRegistry));
    await expect(store.append(stream, envelope([issued('ch3', 'softwareOath', 'appCode')], context), { expectedRevision: 4 })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect((await metrics.registry.getSingleMetric('bulwark_events_appended_total')!.get()).values).toEqual([]);
    const appended = await metrics.registry.getSingleMetric('bulwark_event_store_append_duration_seconds')!.get();
    expect(appended.values.find(isCount)).toMatchObject({ labels: { outcome: 'conflict' }, value: 1 });
    await store.close();
  });
});
