/** Reads a V8 .cpuprofile and says where the time went: self time by function and by area, inclusive time of our own code. */

export type CpuProfile = {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  /** microseconds before each sample */
  timeDeltas: number[];
};

export type Hotspot = { function: string; where: string; area: string; ms: number; percent: number };

export type ProfileSummary = {
  sampledMs: number;
  /** sampled time minus (idle): time the main thread was busy */
  busyMs: number;
  /** percentages are of busy time */
  byArea: Array<{ area: string; ms: number; percent: number }>;
  topSelf: Hotspot[];
  /** functions of apps/ and libs/ by time spent in them and in what they call */
  topInclusiveOwnCode: Hotspot[];
};

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

export function summariseProfile(profile: CpuProfile, root: string, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

  // a sample lasts until the next one; the last one gets the mean interval
  const { samples, timeDeltas } = profile;
  const meanUs = timeDeltas.length > 1 ? timeDeltas.slice(1).reduce((a, b) => a + b, 0) / (timeDeltas.length - 1) : 1000;
  const durationUs = (index: number) => (index + 1 < timeDeltas.length ? Math.max(0, timeDeltas[index + 1]!) : meanUs);

  const self = new Map<string, { frame: Frame; us: number }>();
  const inclusive = new Map<string, { frame: Frame; us: number }>();
  let sampledUs = 0;
  let idleUs = 0;
  // native code (a SQLite statement, a hash, a socket write) is named after the JavaScript that called it
  const selfFrames = new Map<number, Frame>();
  const selfFrameOf = (id: number): Frame => {
    let frame = selfFrames.get(id);
    if (frame) return frame;
    frame = frameOf(byId.get(id)!, root);
    if (frame.area === 'native') {
      // the JavaScript that called it, and the first function of ours on the stack (past library wrappers)
      let caller: Frame | null = null;
      let ours: Frame | null = null;
      for (let at = parentOf.get(id); at !== undefined && !ours; at = parentOf.get(at)) {
        const candidate = frameOf(byId.get(at)!, root);
        if (!caller && candidate.where) caller = candidate;
        if (candidate.area === 'apps' || candidate.area === 'libs') ours = candidate;
      }
      if (caller) {
        const via = ours && ours !== caller ? ` via ${caller.function} (${caller.area})` : '';
        const from = ours ?? caller;
        frame = {
          key: `${frame.key} <- ${caller.key} <- ${ours?.key}`,
          function: frame.function,
          where: `native${via}, from ${from.function} (${from.where})`,
          area: `native, from ${ours ? ours.area : caller.area}`,
        };
      }
    }
    selfFrames.set(id, frame);
    return frame;
  };
  samples.forEach((id, index) => {
    const us = durationUs(index);
    sampledUs += us;
    const leaf = selfFrameOf(id);
    if (leaf.function === '(idle)') idleUs += us;
    add(self, leaf, us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = frameOf(byId.get(at)!, root);
      if (seen.has(frame.key) || (frame.area !== 'apps' && frame.area !== 'libs')) continue;
      seen.add(frame.key);
      add(inclusive, frame, us);
    }
  });

  const busyUs = Math.max(1, sampledUs - idleUs);
  const hotspot = ({ frame, us }: { frame: Frame; us: number }): Hotspot => ({
    function: frame.function,
    where: frame.where,
    area: frame.area,
    ms: Math.round(us / 1000),
    percent: Number(((100 * us) / busyUs).toFixed(1)),
  });
  const areas = new Map<string, number>();
  for (const { frame, us } of self.values()) if (frame.function !== '(idle)') areas.set(frame.area, (areas.get(frame.area) ?? 0) + us);

  return {
    sampledMs: Math.round(sampledUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    byArea: [...areas]
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, ms: Math.round(us / 1000), percent: Number(((100 * us) / busyUs).toFixed(1)) })),
    topSelf: [...self.values()].filter(({ frame }) => frame.function !== '(idle)').sort((a, b) => b.us - a.us).slice(0, top).map(hotspot),
    topInclusiveOwnCode: [...inclusive.values()].sort((a, b) => b.us - a.us).slice(0, top).map(hotspot),
  };
}

type Frame = { key: string; function: string; where: string; area: string };

function frameOf(node: CpuProfile['nodes'][number], root: string): Frame {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (SPECIAL.has(name)) return { key: name, function: name, where: '', area: name === '(garbage collector)' ? 'gc' : name === '(idle)' ? 'idle' : 'v8' };
  if (!url) return { key: name, function: name, where: '', area: 'native' };
  const file = url.replace(/^file:\/\//, '');
  const inPackages = file.lastIndexOf('/node_modules/');
  const relative = inPackages >= 0 ? file.slice(inPackages + 1) : file.startsWith(root + '/') ? file.slice(root.length + 1) : file;
  const where = `${relative}:${lineNumber + 1}`;
  return { key: `${name} ${url}:${lineNumber}`, function: name, where, area: areaOf(relative) };
}

/** apps, libs, a package of node_modules, or node's own JavaScript. */
export function areaOf(relative: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(relative);
  if (pkg) return pkg[1]!;
  if (relative.startsWith('node:')) return 'node internals';
  if (relative.startsWith('dist/apps/')) return 'apps';
  if (relative.startsWith('dist/libs/')) return 'libs';
  if (relative.startsWith('dist/tools/')) return 'tools';
  return 'other';
}

function add(into: Map<string, { frame: Frame; us: number }>, frame: Frame, us: number) {
  const entry = into.get(frame.key);
  if (entry) entry.us += us;
  else into.set(frame.key, { frame, us });
}

/** A profile summarised over a window of a run, with where its file is. */
export type ProfiledWindow = ProfileSummary & { file: string; window: string };

/** The markdown section of a report that says where a profiled window's time went. */
export function profileSection(title: string, profile: ProfiledWindow, fileNote = ''): string[] {
  const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
  const table = (spots: Hotspot[]) => spots.map((spot) => `| ${fmt(spot.ms)} ms | ${spot.percent} | \`${spot.function}\` | ${spot.where} |`);
  return [
    `## ${title}`,
    '',
    `${profile.window}. Sampled ${fmt(profile.sampledMs)} ms, main thread busy ${fmt(profile.busyMs)} ms; percentages are of busy time. Profile: \`${profile.file}\`${fileNote}.`,
    '',
    'Self time by area: ' + profile.byArea.slice(0, 10).map((area) => `${area.area} ${area.percent}%`).join(', ') + '.',
    '',
    '| self time | % | function | where |',
    '|---:|---:|---|---|',
    ...table(profile.topSelf),
    '',
    'Our code, by time in it and in what it calls:',
    '',
    '| inclusive | % | function | where |',
    '|---:|---:|---|---|',
    ...table(profile.topInclusiveOwnCode),
    '',
  ];
}
