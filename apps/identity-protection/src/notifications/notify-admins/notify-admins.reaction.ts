import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { RecordedEvent } from '@bulwark/contracts';
import { EVENT_STORE, EventStore } from '@bulwark/event-store';
import { CLOCK, Clock, ConsumerHost, Reaction } from '@bulwark/platform';
import { NotificationDispatcher } from '../delivery/notification-dispatcher.service';
import { Channel, NotificationOutbox } from '../delivery/notification-outbox';
import { NotificationSettingsStreams } from '../notification-settings.streams';
import { adminNotificationFor, TRIGGER_TYPES } from './admin-notification-message';

/**
 * An event older than this notifies nobody: a reaction replayed from the start (a lost checkpoint) must not page
 * every admin about last year's lockouts.
 */
const MAX_TRIGGER_AGE_MS = 24 * 3_600_000;

/**
 * On a fraud report, a lockout or high user risk, puts one delivery per receiver into the outbox, and nothing more:
 * no network, no waiting, so whatever appended the trigger (a sign-in) is never held up. The receivers are those
 * configured when the trigger was committed, so a replayed event finds the same ones, and adds nothing (one
 * delivery id per trigger and receiver); an address added later is not sent old alerts. The dispatcher sends.
 */
@Injectable()
export class NotifyAdminsReaction implements OnModuleInit {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly consumers: ConsumerHost,
    private readonly settings: NotificationSettingsStreams,
    private readonly outbox: NotificationOutbox,
    private readonly dispatcher: NotificationDispatcher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.consumers.register(new Reaction('admin-notifications', TRIGGER_TYPES, this.store, (event) => this.react(event)));
  }

  private async react(event: RecordedEvent): Promise<void> {
    const notification = adminNotificationFor(event);
    if (!notification) return;
    const occurredAt = Date.parse(event.metadata.occurredAt);
    if (!(this.clock.now().getTime() - occurredAt <= MAX_TRIGGER_AGE_MS)) return;
    const { emails, webhooks } = await this.settings.asOf(event.position);
    const receivers = [
      ...emails.map((email) => ({ channel: 'email' as Channel, target: email, receiver: email })),
      ...webhooks.map(({ url }) => ({ channel: 'webhook' as Channel, target: url, receiver: new URL(url).origin })),
    ];
    if (!receivers.length) return;
    if (this.outbox.enqueue(notification, receivers, Date.now(), this.clock.now().toISOString()) > 0) this.dispatcher.wake();
  }
}
