import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AdminNotificationEvent, streams } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, handleCommand } from '@bulwark/event-store';
import { BULWARK_CONFIG, BulwarkConfig, CLOCK, Clock } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { adminNotificationsDecider } from '../admin-notification.decider';
import { NotificationSettingsStreams } from '../notification-settings.streams';
import { AdminNotification, emailOf, webhookBodyOf } from '../notify-admins/admin-notification-message';
import { RetryPolicy, retryDelayMs, shouldRetry } from './backoff';
import { AttemptOutcome } from './delivery-attempt';
import { EmailSender } from './email-sender';
import { Channel, NotificationOutbox, OutboxRow } from './notification-outbox';
import { WebhookSender } from './webhook-sender';

export const EMAIL_SENDER = Symbol('EMAIL_SENDER');

/** Receivers worked on at once: enough that a few hanging ones do not hold up the rest. */
const MAX_IN_FLIGHT = 16;
/** A failed write of evidence (the store unreachable) is tried again this much later. */
const RECORD_RETRY_MS = 5_000;
/** Finished deliveries are forgotten after a week (see NotificationOutbox.prune). */
const KEEP_FINISHED_MS = 7 * 24 * 3_600_000;

/**
 * Sends what the notification reaction put in the outbox, in the background: nothing a sign-in waits for. Each
 * delivery is tried up to BULWARK_NOTIFY_MAX_ATTEMPTS times, BULWARK_NOTIFY_TIMEOUT_MS each, with exponential
 * backoff from BULWARK_NOTIFY_RETRY_BASE_MS; then its outcome is recorded as AdminNotificationSent or
 * AdminNotificationFailed, caused by the trigger event. The outbox outlives the process: what was pending when it
 * stopped (an attempt cut short by the shutdown does not count) is taken up again at the next start.
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AdminNotifications');
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly policy: RetryPolicy;
  private readonly webhooks: WebhookSender;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private prunedAt = 0;

  constructor(
    private readonly outbox: NotificationOutbox,
    private readonly settings: NotificationSettingsStreams,
    @Inject(EMAIL_SENDER) private readonly email: EmailSender,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BULWARK_CONFIG) config: BulwarkConfig,
  ) {
    const { retryBaseMs, maxAttempts, timeoutMs } = config.notifications;
    this.policy = { baseMs: retryBaseMs, maxAttempts };
    this.webhooks = new WebhookSender(clock, timeoutMs);
  }

  onApplicationBootstrap(): void {
    if (this.email.delivery === 'developmentFile') {
      this.logger.warn('BULWARK_SMTP_URL is unset: admin notification emails are written to <data dir>/outbox/admin-notifications.ndjson, not sent');
    } else if (this.email.delivery === 'notConfigured') {
      this.logger.warn('BULWARK_SMTP_URL is unset: admin notification emails fail as not configured; webhooks are sent');
    }
    this.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Looks at the outbox after `delayMs` (or sooner, if already due sooner). */
  wake(delayMs = 0): void {
    if (this.stopping.signal.aborted) return;
    const at = Date.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.pump();
    }, delayMs);
    this.timer.unref();
  }

  private pump(): void {
    if (this.stopping.signal.aborted) return;
    try {
      const now = Date.now();
      for (const row of this.outbox.due(now, MAX_IN_FLIGHT + this.inFlight.size)) {
        if (this.inFlight.size >= MAX_IN_FLIGHT) break;
        if (this.inFlight.has(row.deliveryId)) continue;
        const work = this.work(row)
          .catch((error: Error) => this.logger.error(`delivery ${row.deliveryId} to ${row.receiver}: ${error.message}`))
          .finally(() => {
            this.inFlight.delete(row.deliveryId);
            this.wake();
          });
        this.inFlight.set(row.deliveryId, work);
      }
      // rows already in flight wake the dispatcher when they finish; a later row sets the timer
      const next = this.outbox.nextDueAt();
      if (next !== null && next > now) this.wake(next - now);
      if (now - this.prunedAt > 3_600_000) {
        this.prunedAt = now;
        this.outbox.prune(now - KEEP_FINISHED_MS);
      }
    } catch (error) {
      this.logger.error(`admin notification outbox unreadable: ${(error as Error).message}`);
      this.wake(RECORD_RETRY_MS);
    }
  }

  private async work(row: OutboxRow): Promise<void> {
    if (row.status === 'pending') {
      const attempts = row.attempts + 1;
      // a failure of our own (the settings unreadable) is paced like a receiver's, not spun on
      const outcome = await this.attempt(row).catch((error: Error): AttemptOutcome => ({ ok: false, retryable: true, reason: `not attempted: ${error.message.slice(0, 200)}` }));
      // cut short by the shutdown: not an attempt, and the row stays due for the next start
      if (!outcome.ok && this.stopping.signal.aborted) return;
      if (outcome.ok) {
        this.outbox.finish(row.deliveryId, Date.now(), { status: 'sent', attempts, transport: outcome.transport });
      } else if (shouldRetry(attempts, outcome.retryable, this.policy)) {
        const delay = retryDelayMs(attempts, this.policy, Math.random, outcome.retryAfterMs ?? null);
        this.outbox.retryLater(row.deliveryId, attempts, Date.now() + delay, outcome.reason);
        this.logger.warn(`${row.channel} to ${row.receiver}: attempt ${attempts} of ${this.policy.maxAttempts} failed (${outcome.reason}), retrying in ${delay} ms`);
        return;
      } else {
        this.outbox.finish(row.deliveryId, Date.now(), { status: 'failed', attempts, error: outcome.reason.slice(0, 500) });
        this.logger.error(`${row.channel} to ${row.receiver} not delivered after ${attempts} attempt(s): ${outcome.reason}`);
      }
    }
    const finished = this.outbox.get(row.deliveryId);
    if (finished && !finished.recorded && finished.status !== 'pending') await this.record(finished);
  }

  /**
   * One attempt to every receiver configured now, at once, without the outbox, retries or evidence: the admin's
   * "send a test", who waits for the answer (at most one timeout).
   */
  async sendTest(notification: AdminNotification): Promise<Array<{ channel: Channel; receiver: string; delivered: boolean; reason: string | null }>> {
    const { emails, webhooks } = await this.settings.current();
    const receivers = [
      ...emails.map((email) => ({ channel: 'email' as const, target: email, receiver: email })),
      ...webhooks.map(({ url }) => ({ channel: 'webhook' as const, target: url, receiver: new URL(url).origin })),
    ];
    return Promise.all(
      receivers.map(async ({ channel, target, receiver }) => {
        const outcome = await this.attempt({ channel, target, notification, deliveryId: randomUUID() });
        return { channel, receiver, delivered: outcome.ok, reason: outcome.ok ? null : outcome.reason };
      }),
    );
  }

  private async attempt(row: Pick<OutboxRow, 'channel' | 'target' | 'notification' | 'deliveryId'>): Promise<AttemptOutcome> {
    const settings = await this.settings.current();
    if (row.channel === 'email') {
      // an address removed since the trigger no longer wants to hear about it
      if (!settings.emails.some((email) => email.toLowerCase() === row.target.toLowerCase())) {
        return { ok: false, retryable: false, reason: 'the address was removed from the notification settings' };
      }
      return this.email.send(row.target, emailOf(row.notification), row.deliveryId, this.stopping.signal);
    }
    const webhook = settings.webhooks.find((candidate) => candidate.url === row.target);
    if (!webhook) return { ok: false, retryable: false, reason: 'the webhook was removed from the notification settings' };
    let secret: string;
    try {
      // opened for this attempt only; a secret rotated since the trigger signs with the new one
      secret = this.settings.openSecret(webhook.url, webhook.secret);
    } catch {
      return { ok: false, retryable: false, reason: 'the webhook secret does not open with the data key' };
    }
    return this.webhooks.send(webhook.url, secret, webhookBodyOf(row.notification, row.deliveryId), row.deliveryId, this.stopping.signal);
  }

  private async record(row: OutboxRow): Promise<void> {
    const now = this.clock.now();
    const { notification } = row;
    const delivery = {
      // the reaction enqueues only notifications about a user
      userId: notification.userId ?? '-',
      triggerEventId: notification.triggerEventId,
      triggerType: notification.triggerType,
      deliveryId: row.deliveryId,
      channel: row.channel,
      receiver: row.receiver,
      attempts: row.attempts,
      at: now.toISOString(),
    };
    const outcome: AdminNotificationEvent =
      row.status === 'sent'
        ? { type: 'AdminNotificationSent', data: { ...delivery, transport: (row.transport ?? 'smtp') as 'smtp' | 'developmentFile' | 'webhook' } }
        : { type: 'AdminNotificationFailed', data: { ...delivery, reason: row.lastError ?? 'unknown' } };
    try {
      await handleCommand(
        this.store,
        streams.adminNotifications(notification.triggerEventId),
        adminNotificationsDecider,
        { type: 'RecordDeliveryOutcome', data: { outcome } },
        { correlationId: notification.correlationId, causationId: notification.triggerEventId, actor: { type: 'system', id: 'identity-protection' }, now },
      );
      this.outbox.markRecorded(row.deliveryId);
    } catch (error) {
      this.outbox.postponeRecord(row.deliveryId, Date.now() + RECORD_RETRY_MS);
      throw error;
    }
  }
}
