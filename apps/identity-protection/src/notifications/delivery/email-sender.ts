import type { Clock } from '@bulwark/platform';
import nodemailer from 'nodemailer';
import { constants } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { AttemptOutcome, networkFailure } from './delivery-attempt';

export type EmailMessage = { subject: string; text: string };

/** How emails leave: by SMTP, into the development file, or not at all (said so in every failed delivery). */
export interface EmailSender {
  readonly delivery: 'smtp' | 'developmentFile' | 'notConfigured';
  send(to: string, message: EmailMessage, deliveryId: string, stop: AbortSignal): Promise<AttemptOutcome>;
}

/**
 * One message per recipient through the SMTP server of BULWARK_SMTP_URL, so admins never see each other's addresses
 * and one bounced address does not hold up the others. A connection per message: notifications are rare, and no
 * pooled connection is left half-open by a timeout. STARTTLS is used whenever the server offers it.
 */
export class SmtpEmailSender implements EmailSender {
  readonly delivery = 'smtp' as const;

  constructor(
    private readonly url: string,
    private readonly from: string,
    private readonly timeoutMs: number,
  ) {}

  async send(to: string, message: EmailMessage, deliveryId: string, stop: AbortSignal): Promise<AttemptOutcome> {
    const transport = nodemailer.createTransport({
      url: this.url,
      connectionTimeout: this.timeoutMs,
      greetingTimeout: this.timeoutMs,
      socketTimeout: this.timeoutMs,
      // nodemailer's logger would print the envelope and, on AUTH, more; errors are reported below, without secrets
      logger: false,
    });
    const deadline = AbortSignal.any([AbortSignal.timeout(this.timeoutMs), stop]);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(deadline.reason);
      deadline.addEventListener('abort', onAbort, { once: true });
      if (deadline.aborted) onAbort();
    });
    try {
      await Promise.race([
        transport.sendMail({
          from: this.from,
          to,
          subject: message.subject,
          text: message.text,
          headers: { 'X-Bulwark-Delivery-Id': deliveryId, 'Auto-Submitted': 'auto-generated' },
        }),
        aborted,
      ]);
      return { ok: true, transport: 'smtp' };
    } catch (error) {
      return smtpFailure(error, this.timeoutMs);
    } finally {
      deadline.removeEventListener('abort', onAbort!);
      aborted.catch(() => undefined);
      transport.close();
    }
  }
}

/** A 5xx reply is the server's final word (no such mailbox, refused); a 4xx or a network failure may pass. */
function smtpFailure(error: unknown, timeoutMs: number): AttemptOutcome {
  const responseCode = (error as { responseCode?: unknown } | null)?.responseCode;
  const code = (error as { code?: unknown } | null)?.code;
  const kind = typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? ` (${code})` : '';
  if (typeof responseCode === 'number' && responseCode >= 400 && responseCode < 600) {
    return { ok: false, retryable: responseCode < 500, reason: `SMTP ${responseCode}${kind}` };
  }
  // nodemailer's own timeouts say ETIMEDOUT; an aborted attempt says TimeoutError or AbortError
  if (code === 'ETIMEDOUT') return { ok: false, retryable: true, reason: `no SMTP response within ${timeoutMs} ms` };
  if (code === 'EENVELOPE') return { ok: false, retryable: false, reason: `SMTP refused the envelope${kind}` };
  return { ok: false, retryable: true, reason: networkFailure(error, timeoutMs).replace('network error', `SMTP network error`) };
}

export const NOTIFICATION_OUTBOX_FILE = 'admin-notifications.ndjson';

/**
 * For the embedded development default without SMTP: each email is appended as one JSON line to
 * `<data dir>/outbox/admin-notifications.ndjson` (0600, in a 0700 directory, never through a symlink), beside the
 * OTP outbox, and its evidence says `developmentFile`, so nobody mistakes it for a sent email.
 */
export class FileEmailSender implements EmailSender {
  readonly delivery = 'developmentFile' as const;
  readonly file: string;

  constructor(
    private readonly dir: string,
    private readonly clock: Clock,
  ) {
    this.file = path.join(dir, NOTIFICATION_OUTBOX_FILE);
  }

  async send(to: string, message: EmailMessage, deliveryId: string): Promise<AttemptOutcome> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const handle = await open(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
      try {
        await handle.chmod(0o600);
        await handle.write(JSON.stringify({ writtenAt: this.clock.now().toISOString(), deliveryId, to, ...message }) + '\n');
      } finally {
        await handle.close();
      }
      return { ok: true, transport: 'developmentFile' };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { ok: false, retryable: code !== 'ELOOP', reason: `the development outbox file could not be written (${code ?? 'error'})` };
    }
  }
}

/** The development file's emails, oldest first. */
export async function readNotificationOutbox(dir: string): Promise<Array<{ writtenAt: string; deliveryId: string; to: string } & EmailMessage>> {
  try {
    return (await readFile(path.join(dir, NOTIFICATION_OUTBOX_FILE), 'utf8'))
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** A distributed service without BULWARK_SMTP_URL: every email delivery fails at once, saying why. */
export class UnconfiguredEmailSender implements EmailSender {
  readonly delivery = 'notConfigured' as const;

  async send(): Promise<AttemptOutcome> {
    return { ok: false, retryable: false, reason: 'email delivery is not configured (set BULWARK_SMTP_URL)' };
  }
}
