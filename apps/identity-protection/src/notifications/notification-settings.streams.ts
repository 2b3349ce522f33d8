import { Inject, Injectable } from '@nestjs/common';
import { NotificationSettingsChanged, RecordedEvent, SealedSecret, streams } from '@bulwark/contracts';
import { CommandContext, EVENT_STORE, EventStore, handleCommand, loadState } from '@bulwark/event-store';
import { SEALED_BOX, SealedBox } from '@bulwark/platform';
import { timingSafeEqual } from 'node:crypto';
import { ChangeNotificationSettings, NotificationSettings, notificationSettingsDecider } from './notification-settings.decider';

export type ReceiversChange = { emails: string[]; webhooks: Array<{ url: string; secret?: string }> };

/** The notification settings stream, and the only code that seals or opens a webhook secret. */
@Injectable()
export class NotificationSettingsStreams {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, @Inject(SEALED_BOX) private readonly box: SealedBox) {}

  async current(): Promise<NotificationSettings> {
    return (await loadState(this.store, streams.notificationSettings, notificationSettingsDecider)).state;
  }

  /** The settings as they stood just before the event at `position` was committed. */
  async asOf(position: number): Promise<NotificationSettings> {
    const history = (await this.store.readStream(streams.notificationSettings)) as unknown as Array<RecordedEvent<NotificationSettingsChanged>>;
    return history.filter((event) => event.position < position).reduce(notificationSettingsDecider.evolve, notificationSettingsDecider.initialState());
  }

  /**
   * Replaces the receivers. A secret is sealed on its way in; one equal to the secret already held counts as
   * unchanged (it is compared after opening, since each sealing differs), so a repeated PUT records nothing.
   */
  async change(request: ReceiversChange, context: CommandContext): Promise<NotificationSettings> {
    const { state } = await handleCommand(this.store, streams.notificationSettings, notificationSettingsDecider, (current): ChangeNotificationSettings => {
      const held = new Map(current.webhooks.map((webhook) => [webhook.url, webhook.secret]));
      const webhooks = request.webhooks.map(({ url, secret }) => {
        if (secret === undefined) return { url, secret: null };
        const sealed = held.get(url);
        if (sealed && sameSecret(this.openSecret(url, sealed), secret)) return { url, secret: null };
        return { url, secret: this.box.seal(secret, sealContext(url)) };
      });
      return { type: 'ChangeNotificationSettings', data: { emails: request.emails, webhooks, now: context.now.toISOString() } };
    }, context);
    return state;
  }

  openSecret(url: string, sealed: SealedSecret): string {
    return this.box.open(sealed, sealContext(url));
  }
}

/** Bound to its URL: a sealed secret copied onto another webhook in the store does not open. */
const sealContext = (url: string) => `admin-notifications/webhook/${url}`;

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
