import type { AccountLockedOut, MfaApproved, MfaBypassed, MfaChallengeIssued, MfaDenied, NewEvent, RiskDetected, UserBlocked } from '@bulwark/contracts';
import { EventStore, ExpectedRevision, SubscriptionState, WrongExpectedRevisionError } from '@bulwark/event-store';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../clock';

/**
 * Prometheus metrics of one process, served at /metrics (MetricsController) to the siem key.
 *
 * One registry per application, never prom-client's global one: in the embedded process the five service modules
 * share the one PlatformModule and so this one instance; a test process that starts several applications gets one
 * registry each, and no application sees another's counts.
 *
 * Outcomes are counted from the events this process commits, where they are appended (instrumentStore): an
 * append is the one place every event passes exactly once, in the embedded process (one store) as in distributed
 * mode (each service appends only its own events), so a fleet's counters add up without counting an event twice.
 */
export type ConsumerKind = 'projection' | 'reaction' | 'relay' | 'export';
export type WatchedConsumer = SubscriptionState & { kind: ConsumerKind };
export type OutboxDepth = { channel: string; state: string; depth: number };

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const APPEND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** The label of requests answered before any route matched (unknown paths, bodies the parser refused). */
export const UNMATCHED_ROUTE = 'unmatched';
/** Open challenges whose method and channel are remembered; the oldest are forgotten past this. */
const REMEMBERED_CHALLENGES = 50_000;
/** Event ids of recent appends: an at-least-once retry re-appends the same ids, which the store stores once. */
const REMEMBERED_EVENT_IDS = 20_000;

type Counted = MfaChallengeIssued | MfaApproved | MfaDenied | MfaBypassed | AccountLockedOut | UserBlocked | RiskDetected;
type AttemptLabels = { method: string; channel: string };

export class BulwarkMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly appendDuration: Histogram<'store' | 'outcome'>;
  private readonly eventsAppended: Counter<'type'>;
  private readonly mfaOutcomes: Counter<'outcome' | 'reason' | 'method' | 'channel'>;
  private readonly lockouts: Counter<'factor'>;
  private readonly blocks: Counter;
  private readonly authorizationFailures: Counter<'route' | 'status' | 'role'>;
  private readonly detections: Counter<'risk_event_type' | 'risk_level'>;
  private readonly head: Gauge;
  private readonly consumerPosition: Gauge<'consumer' | 'kind'>;
  private readonly consumerLag: Gauge<'consumer' | 'kind'>;
  private readonly consumerLagSeconds: Gauge<'consumer' | 'kind'>;
  private readonly consumerFailed: Gauge<'consumer' | 'kind'>;
  private readonly outboxDepth: Gauge<'outbox' | 'channel' | 'state'>;

  private readonly consumerSources: Array<() => WatchedConsumer[]> = [];
  private readonly outboxSources = new Map<string, () => OutboxDepth[]>();
  private readonly openChallenges = new Map<string, AttemptLabels>();
  private readonly recentEventIds = new Set<string>();
  private store: EventStore | null = null;

  constructor(serviceName: string, options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service: serviceName });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const labels = { method: 'method', route: 'route', status: 'status' } as const;
    this.httpRequests = new Counter({
      name: 'bulwark_http_requests_total',
      help: 'HTTP requests answered, by method, route template (never the raw path) and status',
      labelNames: Object.values(labels),
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'bulwark_http_request_duration_seconds',
      help: 'Time from a request arriving to its response being written, by method, route template and status',
      labelNames: Object.values(labels),
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.appendDuration = new Histogram({
      name: 'bulwark_event_store_append_duration_seconds',
      help: 'Time an append to the event store takes, by store (sqlite, eventstoredb) and outcome (ok, conflict, error)',
      labelNames: ['store', 'outcome'],
      buckets: APPEND_BUCKETS,
      registers,
    });
    this.eventsAppended = new Counter({ name: 'bulwark_events_appended_total', help: 'Events this process committed, by type', labelNames: ['type'], registers });
    this.mfaOutcomes = new Counter({
      name: 'bulwark_mfa_outcomes_total',
      help: 'MFA outcomes committed (approved, denied, bypassed), by reason (a denial\'s or a bypass\'s; none for approvals), method type and channel',
      labelNames: ['outcome', 'reason', 'method', 'channel'],
      registers,
    });
    this.lockouts = new Counter({ name: 'bulwark_account_lockouts_total', help: 'Accounts locked out (AccountLockedOut), by the counter that reached the threshold', labelNames: ['factor'], registers });
    this.blocks = new Counter({ name: 'bulwark_user_blocks_total', help: 'Users blocked (UserBlocked), by an admin or the risk policy', registers });
    this.authorizationFailures = new Counter({
      name: 'bulwark_authorization_failures_total',
      help: "Command routes refused with 401 or 403, by route template and the key's role (none without a valid key); every refusal, recorded or not",
      labelNames: ['route', 'status', 'role'],
      registers,
    });
    this.detections = new Counter({
      name: 'bulwark_risk_detections_total',
      help: 'Risk detections recorded (RiskDetected), by riskEventType and riskLevel',
      labelNames: ['risk_event_type', 'risk_level'],
      registers,
    });
    this.head = new Gauge({ name: 'bulwark_event_store_head_position', help: 'The position of the last committed event in the log', registers });
    const consumer = ['consumer', 'kind'] as const;
    this.consumerPosition = new Gauge({ name: 'bulwark_consumer_position', help: 'The log position a consumer (projection, reaction, relay, export) has handled', labelNames: consumer, registers });
    this.consumerLag = new Gauge({
      name: 'bulwark_consumer_lag_positions',
      help: 'Head position minus the consumer\'s position: events behind on SQLite, bytes of the transaction log on EventStoreDB',
      labelNames: consumer,
      registers,
    });
    this.consumerLagSeconds = new Gauge({
      name: 'bulwark_consumer_lag_seconds',
      help: 'Age of the oldest committed event the consumer has not handled yet (0 when caught up)',
      labelNames: consumer,
      registers,
    });
    this.consumerFailed = new Gauge({ name: 'bulwark_consumer_failed', help: '1 when the consumer has stopped on a failure, else 0', labelNames: consumer, registers });
    this.outboxDepth = new Gauge({
      name: 'bulwark_outbox_depth',
      help: 'Rows of an outbox still to work on: pending deliveries, and finished ones whose evidence is not recorded yet',
      labelNames: ['outbox', 'channel', 'state'],
      registers,
    });
  }

  /** A command route refused with 401 or 403 (see auth.ts). */
  authorizationFailure(route: string, status: 401 | 403, role: string | null): void {
    this.authorizationFailures.inc({ route, status: String(status), role: role ?? 'none' });
  }

  /** Consumers outside the platform (the Kafka relay, the SIEM exports) whose lag a scrape reports. */
  watchConsumers(source: () => WatchedConsumer[]): void {
    this.consumerSources.push(source);
  }

  /** An outbox whose depth a scrape reports. */
  watchOutbox(outbox: string, source: () => OutboxDepth[]): void {
    this.outboxSources.set(outbox, source);
  }

  /**
   * Times every append and counts what it committed. The store's own object is kept (only its `append` is
   * wrapped), so what looks at the concrete store (the SIEM export's `instanceof SqliteEventStore`) still works.
   */
  instrumentStore<S extends EventStore>(store: S): S {
    const append = store.append.bind(store);
    this.store = store;
    store.append = async (streamId: string, events: NewEvent[], options: { expectedRevision: ExpectedRevision }) => {
      const end = this.appendDuration.startTimer({ store: store.kind });
      try {
        const result = await append(streamId, events, options);
        end({ outcome: 'ok' });
        this.committed(streamId, events);
        return result;
      } catch (error) {
        end({ outcome: error instanceof WrongExpectedRevisionError ? 'conflict' : 'error' });
        throw error;
      }
    };
    return store;
  }

  /** Express middleware: counts and times each request by its route template, once its response is written. */
  httpMiddleware() {
    return (request: Request, response: Response, next: NextFunction): void => {
      const end = this.httpDuration.startTimer();
      response.once('finish', () => {
        const labels = { method: request.method, route: routeOf(request), status: String(response.statusCode) };
        end(labels);
        this.httpRequests.inc(labels);
      });
      next();
    };
  }

  /** Samples the gauges (head, consumers' lag, outboxes), then writes every metric in Prometheus's text format. */
  async render(clock: Clock, platformConsumers: WatchedConsumer[]): Promise<string> {
    await this.sample(clock, [...platformConsumers, ...this.consumerSources.flatMap((source) => source())]);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async sample(clock: Clock, consumers: WatchedConsumer[]): Promise<void> {
    for (const gauge of [this.consumerPosition, this.consumerLag, this.consumerLagSeconds, this.consumerFailed, this.outboxDepth]) gauge.reset();
    for (const [outbox, source] of this.outboxSources) {
      for (const { channel, state, depth } of source()) this.outboxDepth.set({ outbox, channel, state }, depth);
    }
    if (!this.store) return;
    const store = this.store;
    const head = await store.headPosition();
    this.head.set(head);
    // consumers at the same position (the usual case) share one read of the event after it
    const ages = new Map<number, Promise<number>>();
    const ageAfter = (position: number) => {
      if (!ages.has(position)) {
        ages.set(
          position,
          store.readAll({ after: position, maxCount: 1 }).then(([next]) => (next ? Math.max(0, clock.now().getTime() - Date.parse(next.metadata.occurredAt)) / 1000 : 0)),
        );
      }
      return ages.get(position)!;
    };
    await Promise.all(
      consumers.map(async ({ name, kind, position, status }) => {
        const labels = { consumer: name, kind };
        this.consumerPosition.set(labels, position);
        this.consumerLag.set(labels, Math.max(0, head - position));
        this.consumerLagSeconds.set(labels, position < head ? await ageAfter(position) : 0);
        this.consumerFailed.set(labels, status === 'failed' ? 1 : 0);
      }),
    );
  }

  private committed(streamId: string, events: NewEvent[]): void {
    // an idempotent retry stores nothing and answers with the stored result: it must not count again
    if (events.every((event) => this.recentEventIds.has(event.eventId))) return;
    for (const event of events) {
      remember(this.recentEventIds, event.eventId, REMEMBERED_EVENT_IDS);
      this.eventsAppended.inc({ type: event.type });
      // the store validated every event against its contract before committing it
      this.count(streamId, event as unknown as Counted);
    }
  }

  private count(streamId: string, event: Counted): void {
    switch (event.type) {
      case 'MfaChallengeIssued': {
        const { challengeId, methodType, channel } = event.data;
        if (this.openChallenges.size >= REMEMBERED_CHALLENGES) this.openChallenges.delete(this.openChallenges.keys().next().value!);
        this.openChallenges.set(challengeId, { method: methodType ?? 'none', channel });
        return;
      }
      case 'MfaApproved':
        return this.outcome(streamId, event.data.challengeId, true, { outcome: 'approved', reason: 'none' }, event.data.channel);
      case 'MfaDenied':
        return this.outcome(streamId, event.data.challengeId, event.data.endsChallenge, { outcome: 'denied', reason: event.data.reason });
      case 'MfaBypassed':
        this.mfaOutcomes.inc({ outcome: 'bypassed', reason: event.data.reason, method: 'none', channel: 'none' });
        return;
      case 'AccountLockedOut':
        this.lockouts.inc({ factor: event.data.factor ?? 'unknown' });
        return;
      case 'UserBlocked':
        this.blocks.inc();
        return;
      case 'RiskDetected':
        this.detections.inc({ risk_event_type: event.data.riskEventType, risk_level: event.data.riskLevel });
        return;
    }
  }

  /**
   * An approval or denial carries its challenge's id, not the method or channel: those are in the challenge's
   * MfaChallengeIssued, which this process usually appended itself moments earlier. After a restart it looks the
   * challenge up in the stream, off the append's path.
   */
  private outcome(streamId: string, challengeId: string, ends: boolean, labels: { outcome: string; reason: string }, channel?: string): void {
    const known = this.openChallenges.get(challengeId) ?? (channel === 'appPassword' ? APP_PASSWORD : undefined);
    if (ends) this.openChallenges.delete(challengeId);
    if (known) {
      this.mfaOutcomes.inc({ ...labels, ...known });
      return;
    }
    void this.issuedIn(streamId, challengeId).then((found) => this.mfaOutcomes.inc({ ...labels, ...found }));
  }

  private async issuedIn(streamId: string, challengeId: string): Promise<AttemptLabels> {
    try {
      const events = (await this.store!.readStream(streamId)) as unknown as Counted[];
      const issued = events.find((event): event is MfaChallengeIssued => event.type === 'MfaChallengeIssued' && event.data.challengeId === challengeId);
      // an app password's sign-in is the one attempt with no challenge issued before it (its id is the attempt's)
      return issued ? { method: issued.data.methodType ?? 'none', channel: issued.data.channel } : APP_PASSWORD;
    } catch {
      return { method: 'unknown', channel: 'unknown' };
    }
  }
}

const APP_PASSWORD: AttemptLabels = { method: 'appPassword', channel: 'appPassword' };

/** The route's template as Express matched it (`/v1/users/:userId/block`): never the raw path, whose ids are unbounded. */
function routeOf(request: Request): string {
  const route = (request as Request & { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? `${request.baseUrl ?? ''}${route.path}` : UNMATCHED_ROUTE;
}

function remember(set: Set<string>, value: string, limit: number): void {
  if (set.size >= limit) set.delete(set.values().next().value!);
  set.add(value);
}
