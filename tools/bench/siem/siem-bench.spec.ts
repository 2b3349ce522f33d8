import { eventRegistry } from '@bulwark/contracts';
import { exactlyOnce, LagRecorder, recordsAdded } from './accounting';
import { eventMix, takeEvents } from './event-mix';
import { BacklogRun, siemTargets, SiemBenchReport } from './report';

describe('the SIEM bench event mix', () => {
  const fixedNow = () => new Date('2026-11-22T03:00:00.000Z');
  const events = takeEvents(eventMix({ users: 500, seed: 42, now: fixedNow }), 20_000);

  it('passes the registry validation the store applies on append', () => {
    const invalid = events.flatMap(({ event }) => {
      try {
        eventRegistry.validate(event);
        return [];
      } catch (error) {
        return [(error as Error).message];
      }
    });
    expect(invalid).toEqual([]);
  });

  it('is mostly sign-ins, with lockouts, fraud cascades and settings changes among them', () => {
    const share = (type: string) => events.filter(({ event }) => event.type === type).length / events.length;
    expect(share('MfaChallengeIssued')).toBeGreaterThan(0.4);
    expect(share('MfaApproved')).toBeGreaterThan(0.3);
    expect(share('MfaDenied')).toBeGreaterThan(0.05);
    for (const type of ['MfaBypassed', 'RegistrationRequiredAtSignIn', 'AccountLockedOut', 'SuspiciousActivityReported', 'RiskDetected', 'UserBlocked', 'SessionsRevoked']) {
      expect(share(type)).toBeGreaterThan(0);
    }
    const longer = takeEvents(eventMix({ users: 500, seed: 42, now: fixedNow }), 26_000);
    expect(longer.some(({ streamId }) => streamId.startsWith('mfa_settings-') || streamId.startsWith('risk_settings-'))).toBe(true);
  });

  it('writes each user event to that user\'s stream', () => {
    const misplaced = events.filter(({ streamId, event }) => typeof event.data.userId === 'string' && !streamId.endsWith(`-${event.data.userId}`));
    expect(misplaced).toEqual([]);
  });

  it('gives the same types and users for the same seed', () => {
    const again = takeEvents(eventMix({ users: 500, seed: 42, now: fixedNow }), 2_000);
    const other = takeEvents(eventMix({ users: 500, seed: 43, now: fixedNow }), 2_000);
    const shape = (list: typeof events) => list.map(({ streamId, event }) => `${event.type} ${streamId}`);
    expect(shape(again)).toEqual(shape(events.slice(0, 2_000)));
    expect(shape(other)).not.toEqual(shape(again));
  });
});

describe('commit-to-acknowledgement lag', () => {
  it('is the latest acknowledgement of an event across the topics, minus its commit', () => {
    const lag = new LagRecorder(['ocsf', 'ecs']);
    lag.committed(1, 100);
    lag.committed(2, 110);
    lag.acked('ocsf', [1, 2], 130);
    lag.acked('ecs', [1], 150);
    lag.acked('ecs', [2], 170);
    expect(lag.summary()).toEqual({ events: 2, unacknowledged: 0, lagMs: { count: 2, p50: 50, p90: 60, p99: 60, max: 60 } });
  });

  it('counts an event some topic never acknowledged, and leaves it out of the percentiles', () => {
    const lag = new LagRecorder(['ocsf', 'cef']);
    lag.committed(7, 0);
    lag.committed(8, 0);
    lag.acked('ocsf', [7, 8], 20);
    lag.acked('cef', [7], 30);
    expect(lag.summary()).toMatchObject({ events: 2, unacknowledged: 1, lagMs: { count: 1, max: 30 } });
  });

  it('keeps the first acknowledgement of a record sent twice, and ignores topics it does not watch', () => {
    const lag = new LagRecorder(['ocsf']);
    lag.committed(3, 0);
    lag.acked('ocsf', [3], 5);
    lag.acked('ocsf', [3], 500);
    lag.acked('elsewhere', [3], 1);
    expect(lag.summary().lagMs.max).toBe(5);
  });
});

describe('records per topic', () => {
  it('adds up the growth of every partition\'s end offset', () => {
    const before = [
      { partition: 0, high: '10' },
      { partition: 1, high: '0' },
      { partition: 2, high: '5' },
    ];
    const after = [
      { partition: 0, high: '40' },
      { partition: 1, high: '7' },
      { partition: 2, high: '5' },
    ];
    expect(recordsAdded(before, after)).toBe(37);
  });

  it('counts a partition missing from the first reading from zero', () => {
    expect(recordsAdded([{ partition: 0, high: 3 }], [{ partition: 0, high: 3 }, { partition: 1, high: 4 }])).toBe(4);
  });

  it('refuses an end offset that went back: the topic was recreated and the count would mean nothing', () => {
    expect(() => recordsAdded([{ partition: 0, high: '9' }], [{ partition: 0, high: '2' }])).toThrow(/went back/);
  });

  it('says exactly once only when a topic holds as many records as events', () => {
    expect(exactlyOnce(100, { a: 100, b: 99, c: 101 })).toEqual([
      { topic: 'a', expected: 100, written: 100, exactlyOnce: true },
      { topic: 'b', expected: 100, written: 99, exactlyOnce: false },
      { topic: 'c', expected: 100, written: 101, exactlyOnce: false },
    ]);
  });
});

describe('the SIEM bench targets', () => {
  const run = (formats: string[], eventsPerSecond: number, written: number): BacklogRun => ({
    formats,
    threadsPerTopic: 1,
    events: 1000,
    records: 1000 * formats.length,
    seconds: 1,
    startMs: 0,
    eventsPerSecond,
    recordsPerSecond: eventsPerSecond * formats.length,
    // sustained above the target: the target is judged on the whole run's rate
    sustained: { firstAckMs: 100, eventsPerSecond: eventsPerSecond + 5_000, recordsPerSecond: (eventsPerSecond + 5_000) * formats.length },
    meanRecordBytes: 1000,
    recordsPerSecondTimeline: [],
    cpu: { exporterCores: 1, brokerCores: null, otherCores: null },
    exporterCpuMicrosPerRecord: 50,
    topics: formats.map((format) => ({ topic: format, expected: 1000, written, exactlyOnce: written === 1000 })),
  });

  it('meets 20,000 events/s per run at or above it, and exactly once only when every topic adds up', () => {
    const report = { backlog: [run(['ocsf'], 20_000, 1000), run(['ocsf', 'ecs', 'cef'], 19_999, 1000)], live: [] } as unknown as Omit<SiemBenchReport, 'targets'>;
    expect(siemTargets(report).map((target) => target.met)).toEqual([true, false, true]);
    const duplicated = { backlog: [run(['ocsf'], 30_000, 1001)], live: [] } as unknown as Omit<SiemBenchReport, 'targets'>;
    expect(siemTargets(duplicated).map((target) => target.met)).toEqual([true, false]);
  });
});
