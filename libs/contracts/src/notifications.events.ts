import { z } from 'zod';
import { sealedSecret } from './mfa.events';
import { EventContract } from './registry';

/**
 * Admin notifications, written by identity-protection: the settings (stream `protection_settings-notifications`)
 * and, per event that triggered a notification (stream `admin_notifications-<trigger event id>`), the evidence of
 * what was delivered to whom, or why not.
 */
const at = z.iso.datetime();
const email = z.string().min(3).max(254);
const webhookUrl = z.string().min(1).max(2048);

export const notificationSettingsChanged = z.object({
  emails: z.array(email).max(20),
  webhooks: z.array(z.object({ url: webhookUrl })).max(20),
  /**
   * Each webhook's signing secret by its URL, sealed with the service's data key (AES-256-GCM, bound to the URL).
   * Private: it never leaves identity-protection, not even sealed.
   */
  webhookSecrets: z.record(webhookUrl, sealedSecret),
  version: z.number().int().positive(),
  at,
});

const channel = z.enum(['email', 'webhook']);
const delivery = {
  /** the user the triggering event is about */
  userId: z.string().min(1).max(256),
  triggerEventId: z.string().min(1).max(200),
  triggerType: z.string().min(1).max(100),
  /** one delivery is one trigger to one receiver; its id is the Idempotency-Key the receiver sees */
  deliveryId: z.string().min(1).max(200),
  channel,
  /** an email address, or a webhook URL's origin (never its path or query, which may carry tokens) */
  receiver: z.string().min(1).max(2048),
  /** attempts made, the last one included */
  attempts: z.number().int().positive(),
  at,
};

export const adminNotificationSent = z.object({
  ...delivery,
  /** `developmentFile`: the embedded default without SMTP wrote the email to a file instead of sending it */
  transport: z.enum(['smtp', 'developmentFile', 'webhook']),
});

export const adminNotificationFailed = z.object({
  ...delivery,
  /** why the last attempt failed: a status, a timeout, a refusal; never a body or a secret */
  reason: z.string().min(1).max(500),
});

export type NotificationSettingsChanged = { type: 'NotificationSettingsChanged'; data: z.infer<typeof notificationSettingsChanged> };
export type AdminNotificationSent = { type: 'AdminNotificationSent'; data: z.infer<typeof adminNotificationSent> };
export type AdminNotificationFailed = { type: 'AdminNotificationFailed'; data: z.infer<typeof adminNotificationFailed> };
export type AdminNotificationEvent = AdminNotificationSent | AdminNotificationFailed;

export const notificationContracts: EventContract[] = [
  { type: 'NotificationSettingsChanged', schemaVersion: 1, schema: notificationSettingsChanged, privateFields: ['webhookSecrets'] },
  { type: 'AdminNotificationSent', schemaVersion: 1, schema: adminNotificationSent },
  { type: 'AdminNotificationFailed', schemaVersion: 1, schema: adminNotificationFailed },
];
