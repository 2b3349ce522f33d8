import { areaOf, CpuProfile, summariseProfile } from './profile';
import { percentile, Samples, Timeline } from './stats';

describe('bench statistics', () => {
  describe('percentile (nearest rank)', () => {
    const hundred = Array.from({ length: 100 }, (_, index) => index + 1);

    it('is the value with p% of the samples at or below it', () => {
      expect(percentile(hundred, 50)).toBe(50);
      expect(percentile(hundred, 99)).toBe(99);
      expect(percentile(hundred, 100)).toBe(100);
    });

    it('is the only value of a single sample, and null without samples', () => {
      expect(percentile([7], 99)).toBe(7);
      expect(percentile([], 50)).toBeNull();
    });
  });

  it('summarises samples recorded in any order', () => {
    const samples = new Samples();
    [5, 1, 4, 2, 3].forEach((ms) => samples.record(ms));
    expect(samples.summary()).toEqual({ count: 5, p50: 3, p90: 5, p99: 5, max: 5 });
  });

  it('counts per whole second and leaves out the partial last one', () => {
    const timeline = new Timeline(0);
    [10, 500, 999, 1000, 2500, 2999.9].forEach((at) => timeline.tick(at));
    expect(timeline.perSecond(2.99)).toEqual([3, 1]);
    expect(timeline.perSecond(3)).toEqual([3, 1, 2]);
  });
});

describe('a CPU profile summary', () => {
  const root = '/repo';
  // (root) → handle (libs) → run (native) ; (root) → (idle) ; handle → compute (apps)
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 5] },
      { id: 2, callFrame: { functionName: 'handle', url: 'file:///repo/dist/libs/event-store/src/projection.js', lineNumber: 9 }, children: [3, 4] },
      { id: 3, callFrame: { functionName: 'run', url: '', lineNumber: -1 } },
      { id: 4, callFrame: { functionName: 'compute', url: 'file:///repo/dist/apps/mfa/src/x.js', lineNumber: 0 } },
      { id: 5, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
    ],
    // each sample lasts until the next: 3 ms in run, 1 ms in compute, 2 ms in handle itself, 4 ms idle
    samples: [3, 3, 3, 4, 2, 2, 5, 5, 5, 5],
    timeDeltas: Array(10).fill(1000),
  };
  const summary = summariseProfile(profile, root);

  it('leaves idle time out of the busy time the percentages are of', () => {
    expect(summary).toMatchObject({ sampledMs: 10, busyMs: 6 });
  });

  it('names native code after the function of ours that called it', () => {
    expect(summary.topSelf[0]).toEqual({
      function: 'run',
      where: 'native, from handle (dist/libs/event-store/src/projection.js:10)',
      area: 'native, from libs',
      ms: 3,
      percent: 50,
    });
  });

  it('counts a function of ours with everything it calls', () => {
    expect(summary.topInclusiveOwnCode.map((spot) => [spot.function, spot.ms])).toEqual([
      ['handle', 6],
      ['compute', 1],
    ]);
  });

  it('sorts files into areas', () => {
    expect(areaOf('/x/node_modules/@nestjs/core/router.js')).toBe('@nestjs/core');
    expect(areaOf('/x/node_modules/zod/v4/core/schemas.cjs')).toBe('zod');
    expect(areaOf('node:internal/stream_base_commons')).toBe('node internals');
    expect(areaOf('dist/apps/mfa/src/x.js')).toBe('apps');
  });
});
