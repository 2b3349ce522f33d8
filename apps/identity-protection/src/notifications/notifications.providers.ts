import { Provider } from '@nestjs/common';
import { BULWARK_CONFIG, BulwarkConfig, BulwarkMetrics, CLOCK, Clock, READ_DB } from '@bulwark/platform';
import Database from 'better-sqlite3';
import path from 'node:path';
import { EmailSender, FileEmailSender, SmtpEmailSender, UnconfiguredEmailSender } from './delivery/email-sender';
import { EMAIL_SENDER, NotificationDispatcher } from './delivery/notification-dispatcher.service';
import { NotificationOutbox } from './delivery/notification-outbox';
import { NotificationSettingsStreams } from './notification-settings.streams';
import { NotifyAdminsReaction } from './notify-admins/notify-admins.reaction';

/**
 * BULWARK_SMTP_URL set: emails go by SMTP. Unset: the embedded development default writes them to a file under the
 * data dir; a distributed service records each email delivery as failed, not configured. Never silently dropped.
 */
const emailSenderProvider: Provider = {
  provide: EMAIL_SENDER,
  inject: [BULWARK_CONFIG, CLOCK],
  useFactory: (config: BulwarkConfig, clock: Clock): EmailSender => {
    const { smtpUrl, smtpFrom, timeoutMs } = config.notifications;
    if (smtpUrl) return new SmtpEmailSender(smtpUrl, smtpFrom, timeoutMs);
    return config.serviceName === 'bulwark' ? new FileEmailSender(path.join(config.dataDir, 'outbox'), clock) : new UnconfiguredEmailSender();
  },
};

const outboxProvider: Provider = {
  provide: NotificationOutbox,
  inject: [READ_DB, BulwarkMetrics],
  useFactory: (db: Database.Database, metrics: BulwarkMetrics) => {
    const outbox = new NotificationOutbox(db);
    // before any consumer starts: the reaction writes here from its first event
    outbox.setup();
    metrics.watchOutbox('adminNotifications', () => outbox.depth());
    return outbox;
  },
};

export const notificationProviders: Provider[] = [NotificationSettingsStreams, emailSenderProvider, outboxProvider, NotificationDispatcher, NotifyAdminsReaction];
