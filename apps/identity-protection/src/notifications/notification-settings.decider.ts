import { DomainError, NotificationSettingsChanged, SealedSecret } from '@bulwark/contracts';

/** Who receives admin notifications (stream `protection_settings-notifications`). */
export type WebhookReceiver = { url: string; secret: SealedSecret };
export type NotificationSettings = { emails: string[]; webhooks: WebhookReceiver[]; version: number };

export const MAX_EMAILS = 20;
export const MAX_WEBHOOKS = 20;

/**
 * The whole list of receivers, replacing the current one. A webhook's secret arrives sealed by the adapter, or null
 * to keep the secret it already has: an admin who reads the settings never sees a secret, so cannot send it back.
 */
export type ChangeNotificationSettings = {
  type: 'ChangeNotificationSettings';
  data: { emails: string[]; webhooks: Array<{ url: string; secret: SealedSecret | null }>; now: string };
};

export const initialState = (): NotificationSettings => ({ emails: [], webhooks: [], version: 0 });

export function decide(command: ChangeNotificationSettings, state: NotificationSettings): NotificationSettingsChanged[] {
  const { emails, webhooks, now } = command.data;
  if (emails.length > MAX_EMAILS) throw new DomainError('TOO_MANY_RECEIVERS', 'invalid', `emails: at most ${MAX_EMAILS} addresses`);
  if (webhooks.length > MAX_WEBHOOKS) throw new DomainError('TOO_MANY_RECEIVERS', 'invalid', `webhooks: at most ${MAX_WEBHOOKS} webhooks`);
  const duplicateEmail = firstDuplicate(emails.map((email) => email.toLowerCase()));
  if (duplicateEmail !== null) throw new DomainError('DUPLICATE_RECEIVER', 'invalid', `emails[${duplicateEmail}]: listed twice`);
  const duplicateUrl = firstDuplicate(webhooks.map((webhook) => webhook.url));
  if (duplicateUrl !== null) throw new DomainError('DUPLICATE_RECEIVER', 'invalid', `webhooks[${duplicateUrl}].url: listed twice`);

  const current = new Map(state.webhooks.map((webhook) => [webhook.url, webhook.secret]));
  const resolved = webhooks.map(({ url, secret }, index) => {
    const kept = secret ?? current.get(url);
    if (!kept) throw new DomainError('WEBHOOK_SECRET_REQUIRED', 'invalid', `webhooks[${index}].secret: required for a webhook not configured yet`);
    return { url, secret: kept };
  });

  const unchanged =
    sameList(emails, state.emails) &&
    sameList(
      webhooks.map((webhook) => webhook.url),
      state.webhooks.map((webhook) => webhook.url),
    ) &&
    webhooks.every((webhook) => webhook.secret === null);
  if (unchanged && state.version > 0) return [];
  return [
    {
      type: 'NotificationSettingsChanged',
      data: {
        emails,
        webhooks: resolved.map(({ url }) => ({ url })),
        webhookSecrets: Object.fromEntries(resolved.map(({ url, secret }) => [url, secret])),
        version: state.version + 1,
        at: now,
      },
    },
  ];
}

export function evolve(_: NotificationSettings, event: NotificationSettingsChanged): NotificationSettings {
  const { emails, webhooks, webhookSecrets, version } = event.data;
  return { emails, webhooks: webhooks.map(({ url }) => ({ url, secret: webhookSecrets[url]! })), version };
}

export const notificationSettingsDecider = { decide, evolve, initialState };

function firstDuplicate(values: string[]): number | null {
  const seen = new Set<string>();
  for (const [index, value] of values.entries()) {
    if (seen.has(value)) return index;
    seen.add(value);
  }
  return null;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
