/**
 * The HTTP load: autocannon in this (the bench) process against the server in its own process, 64 keep-alive
 * connections, one request in flight per connection. Latencies are recorded per kind of request from
 * autocannon's own timings (it measures from writing a request to parsing its response).
 */
import autocannon, { Options, Request, RequestContext } from 'autocannon';
import { generateSync } from 'otplib';
import { performance } from 'node:perf_hooks';
import { BenchServer, machineCpuSeconds, sleep } from './server';
import { LatencySummary, round, Samples, Timeline } from './stats';

export type BenchUser = { userId: string; secret: string; clientIp: string; step: number; code: string };

export type KindResult = { count: number; perSecond: number; latencyMs: LatencySummary };

export type RunResult = {
  name: string;
  seconds: number;
  connections: number;
  kinds: Record<string, KindResult>;
  /** responses by HTTP status, and transport errors and timeouts, as autocannon saw them */
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** autocannon's own summary over every request of the run (whole milliseconds, all kinds together) */
  autocannon: { requestsPerSecondMean: number; latencyP50: number; latencyP99: number };
  /** verify answers by outcome: approved, or denied:<reason> */
  outcomes?: Record<string, number>;
  /** approvals per whole second, beside `timeline` */
  approvalsTimeline?: number[];
  /** CPU used during the run, in cores (1.0 = one core busy all the time) */
  serverCpuCores: number | null;
  loadGeneratorCpuCores: number;
  /** everything else on the machine (other processes, the kernel's softirqs): a busy machine makes slow numbers */
  otherCpuCores: number | null;
  /** CPU the hypervisor gave to other guests while this one wanted it */
  stealCores: number | null;
  /** completions of the run's main kind per whole second */
  timeline: number[];
  /** committed events the slowest in-process consumer (projection) had not handled when the load stopped, and how long it took to catch up */
  projections: ProjectionLag & { caughtUpSeconds: number | null };
};

export type ProjectionLag = { head: number; behind: number; slowest: string | null };

export const CONNECTIONS = 64;
const PERIOD = 30;

/** TOTP codes as the users' authenticator apps show them; each user's code is computed once per time step. */
export function codeOf(user: BenchUser, now = Date.now()): string {
  const step = Math.floor(now / 1000 / PERIOD);
  if (user.step !== step) {
    user.step = step;
    user.code = generateSync({ secret: user.secret, epoch: step * PERIOD });
  }
  return user.code;
}

/** A code that is not the user's current one: the correct code shifted by half the code space. */
export const wrongCodeOf = (user: BenchUser): string => String((Number(codeOf(user)) + 500_000) % 1_000_000).padStart(6, '0');

/** What the verify answers were, and the session ids of the approvals (checked against the store at the end). */
export class Outcomes {
  readonly counts: Record<string, number> = {};
  readonly approvedSessionIds: string[] = [];
  /** approvals come in a burst at each 30 s step (every user's first correct code): compare with the verify rate */
  readonly approvals = new Timeline();

  record(body: string): void {
    const answer = JSON.parse(body) as { status: string; reason?: string; sessionId?: string };
    const key = answer.status === 'approved' ? 'approved' : `denied:${answer.reason}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    if (answer.status === 'approved' && answer.sessionId) {
      this.approvedSessionIds.push(answer.sessionId);
      this.approvals.tick();
    }
  }
}

type Classify = (status: number) => string | null;

/** Runs autocannon once and measures it: per-kind latencies and rates, status counts, CPU of both sides. */
async function measure(
  name: string,
  server: BenchServer,
  options: Options,
  classify: Classify,
  mainKind: string,
  extra?: { outcomes?: Outcomes; pairs?: boolean },
): Promise<RunResult> {
  const samples = new Map<string, Samples>();
  const timeline = new Timeline();
  const pairSamples = new Samples();
  const pendingChallengeMs = new WeakMap<object, number>();
  const statuses: Record<string, number> = {};

  const serverCpuBefore = server.cpuSeconds();
  const machineBefore = machineCpuSeconds();
  const ownCpuBefore = process.cpuUsage();
  const started = performance.now();
  const instance = autocannon({ connections: CONNECTIONS, pipelining: 1, timeout: 10, ...options });
  instance.on('response', (client: object, status: number, _bytes: number, ms: number) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    const kind = classify(status);
    if (!kind) return;
    if (!samples.has(kind)) samples.set(kind, new Samples());
    samples.get(kind)!.record(ms);
    if (kind === mainKind) timeline.tick();
    if (!extra?.pairs) return;
    // a pair is a challenge and then its verify on the same connection: its latency is the sum of both
    if (kind === 'challenge') pendingChallengeMs.set(client, ms);
    else if (kind === 'verify' && pendingChallengeMs.has(client)) {
      pairSamples.record(pendingChallengeMs.get(client)! + ms);
      pendingChallengeMs.delete(client);
    }
  });
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  const ownCpu = process.cpuUsage(ownCpuBefore);
  const serverCpuAfter = server.cpuSeconds();
  const machineAfter = machineCpuSeconds();
  const serverCores = serverCpuBefore === null || serverCpuAfter === null ? null : (serverCpuAfter - serverCpuBefore) / seconds;
  const ownCores = (ownCpu.user + ownCpu.system) / 1e6 / seconds;
  const machineCores = machineBefore && machineAfter ? (machineAfter.busy - machineBefore.busy) / seconds : null;

  const lag = await projectionLag(server);
  const caughtUpSeconds = await catchUp(server);

  if (extra?.pairs && samples.has('verify')) samples.set('pair', pairSamples);
  const kinds: Record<string, KindResult> = {};
  for (const [kind, recorded] of samples) {
    kinds[kind] = { count: recorded.count, perSecond: Math.round(recorded.count / seconds), latencyMs: roundSummary(recorded.summary()) };
  }
  return {
    name,
    seconds: Number(seconds.toFixed(2)),
    connections: options.connections ?? CONNECTIONS,
    kinds,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    autocannon: { requestsPerSecondMean: result.requests.mean, latencyP50: result.latency.p50, latencyP99: result.latency.p99 },
    ...(extra?.outcomes ? { outcomes: { ...extra.outcomes.counts }, approvalsTimeline: extra.outcomes.approvals.perSecond(seconds) } : {}),
    serverCpuCores: round(serverCores, 2),
    loadGeneratorCpuCores: round(ownCores, 2)!,
    otherCpuCores: machineCores === null || serverCores === null ? null : round(Math.max(0, machineCores - serverCores - ownCores), 2),
    stealCores: machineBefore && machineAfter ? round((machineAfter.steal - machineBefore.steal) / seconds, 2) : null,
    timeline: timeline.perSecond(seconds),
    projections: { ...lag, caughtUpSeconds },
  };
}

/** How far the server's consumers are behind its store, from GET /health (store head, each consumer's position). */
export async function projectionLag(server: BenchServer): Promise<ProjectionLag> {
  const health = (await (await fetch(`${server.url}/health`)).json()) as {
    store: { headPosition?: number };
    consumers: Array<{ name: string; position: number }>;
  };
  const head = health.store.headPosition ?? 0;
  const slowest = [...health.consumers].sort((a, b) => a.position - b.position)[0];
  return { head, behind: slowest ? Math.max(0, head - slowest.position) : 0, slowest: slowest?.name ?? null };
}

/** Waits (at most 60 s) until every consumer has caught up, so that no run inherits the previous one's backlog; returns the seconds it took. */
export async function catchUp(server: BenchServer): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < 60_000) {
    if ((await projectionLag(server)).behind === 0) return Number(((performance.now() - started) / 1000).toFixed(2));
    await sleep(100);
  }
  return null;
}

const roundSummary = (summary: LatencySummary): LatencySummary => ({
  count: summary.count,
  p50: round(summary.p50, 2),
  p90: round(summary.p90, 2),
  p99: round(summary.p99, 2),
  max: round(summary.max, 1),
});

const json = (key: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${key}` });

/** The ceiling: GET /v1/ping, which checks the key and does nothing else. */
export function runPing(server: BenchServer, seconds: number): Promise<RunResult> {
  return measure(
    'no-op (GET /v1/ping)',
    server,
    { url: `${server.url}/v1/ping`, duration: seconds, headers: { authorization: `Bearer ${server.keys.app}` } },
    (status) => (status === 200 ? 'ping' : null),
    'ping',
  );
}

/**
 * Round robin over the users: every user's next request goes to the next user, and every tenth verify
 * sends a wrong code. A correct code is the user's current one, as their app shows it.
 */
class Mix {
  private nextUser = 0;
  private verifies = 0;

  constructor(private readonly users: BenchUser[]) {}

  user(): BenchUser {
    return this.users[this.nextUser++ % this.users.length]!;
  }

  code(user: BenchUser): string {
    return ++this.verifies % 10 === 0 ? wrongCodeOf(user) : codeOf(user);
  }
}

function challengeRequest(server: BenchServer, mix: Mix, onIssued?: (id: string, user: BenchUser) => void): Request {
  return {
    method: 'POST',
    path: '/v1/mfa/challenges',
    headers: json(server.keys.app),
    setupRequest: (request: Request, context: RequestContext) => {
      const user = mix.user();
      context.user = user;
      return { ...request, body: JSON.stringify({ userId: user.userId, clientIp: user.clientIp }) };
    },
    onResponse: (status: number, body: string, context: RequestContext) => {
      if (status !== 201) return;
      const { id } = JSON.parse(body) as { id: string };
      context.challengeId = id;
      onIssued?.(id, context.user as BenchUser);
    },
  };
}

function verifyRequest(server: BenchServer, mix: Mix, outcomes: Outcomes, next: (context: RequestContext) => { id: string; user: BenchUser } | null): Request {
  return {
    method: 'POST',
    path: '/v1/mfa/challenges/-/verify',
    headers: json(server.keys.app),
    setupRequest: (request: Request, context: RequestContext) => {
      const challenge = next(context);
      // no challenge to answer (its issue failed): autocannon starts the sequence over
      if (!challenge) return null;
      return { ...request, path: `/v1/mfa/challenges/${challenge.id}/verify`, body: JSON.stringify({ code: mix.code(challenge.user) }) };
    },
    onResponse: (status: number, body: string) => {
      if (status === 200) outcomes.record(body);
    },
  };
}

/** Challenge and then verify, chained on each connection: the sign-in a user sees. */
export function runPairs(server: BenchServer, users: BenchUser[], seconds: number, outcomes: Outcomes, name = 'challenge + verify'): Promise<RunResult> {
  const mix = new Mix(users);
  const fromContext = (context: RequestContext) =>
    typeof context.challengeId === 'string' ? { id: context.challengeId, user: context.user as BenchUser } : null;
  return measure(
    name,
    server,
    { url: server.url, duration: seconds, requests: [challengeRequest(server, mix), verifyRequest(server, mix, outcomes, fromContext)] },
    (status) => (status === 201 ? 'challenge' : status === 200 ? 'verify' : null),
    'verify',
    { outcomes, pairs: true },
  );
}

/** Issues challenges for `seconds` (round robin over the users) and returns them, to be verified next. */
export async function runChallenges(server: BenchServer, users: BenchUser[], seconds: number): Promise<{ run: RunResult; issued: Array<{ id: string; user: BenchUser }> }> {
  const mix = new Mix(users);
  const issued: Array<{ id: string; user: BenchUser }> = [];
  const run = await measure(
    'challenge only',
    server,
    { url: server.url, duration: seconds, requests: [challengeRequest(server, mix, (id, user) => issued.push({ id, user }))] },
    (status) => (status === 201 ? 'challenge' : null),
    'challenge',
  );
  return { run, issued };
}

/** Verifies challenges issued beforehand, each once: the verify request alone. */
export function runVerifies(server: BenchServer, issued: Array<{ id: string; user: BenchUser }>, outcomes: Outcomes): Promise<RunResult> {
  const mix = new Mix([]);
  let next = 0;
  // autocannon sends exactly `amount` requests; the fallback only guards against an off-by-one
  const take = () => issued[Math.min(next++, issued.length - 1)]!;
  return measure(
    'verify only (challenges issued beforehand)',
    server,
    { url: server.url, amount: Math.max(CONNECTIONS, issued.length), requests: [verifyRequest(server, mix, outcomes, take)] },
    (status) => (status === 200 ? 'verify' : null),
    'verify',
    { outcomes },
  );
}

/** Pairs until the server is killed with SIGKILL after `killAfterMs`: the approvals answered before it must all be stored. */
export async function runPairsUntilKilled(server: BenchServer, users: BenchUser[], killAfterMs: number, outcomes: Outcomes): Promise<void> {
  const mix = new Mix(users);
  const fromContext = (context: RequestContext) =>
    typeof context.challengeId === 'string' ? { id: context.challengeId, user: context.user as BenchUser } : null;
  const instance = autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: 60,
    timeout: 2,
    requests: [challengeRequest(server, mix), verifyRequest(server, mix, outcomes, fromContext)],
  });
  // responses after the kill cannot exist: the approvals recorded are exactly those answered before it
  await sleep(killAfterMs);
  await server.kill();
  instance.stop();
  await instance;
}
