import { Body, Controller, Get, HttpCode, Inject, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiZodBody, Caller, CLOCK, Clock, RequestContext, Roles, zodBody, ApiZodResponse } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { EMAIL_SENDER, NotificationDispatcher } from '../delivery/notification-dispatcher.service';
import { EmailSender } from '../delivery/email-sender';
import { MAX_EMAILS, MAX_WEBHOOKS, NotificationSettings } from '../notification-settings.decider';
import { NotificationSettingsStreams } from '../notification-settings.streams';
import { testNotification } from '../notify-admins/admin-notification-message';
import { notificationSettings, testNotificationResults } from '../../identity-protection.responses';

const email = z.email({ error: 'must be an email address' }).max(254, 'an email address has at most 254 characters');

const webhookUrl = z
  .string()
  .max(2048, 'a webhook URL has at most 2048 characters')
  .transform((value, context) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      context.addIssue({ code: 'custom', message: 'must be an absolute http or https URL' });
      return z.NEVER;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') context.addIssue({ code: 'custom', message: `must use http or https, not ${url.protocol}` });
    else if (url.username || url.password) context.addIssue({ code: 'custom', message: 'must not carry credentials: the signature authenticates Bulwark' });
    else if (url.hash) context.addIssue({ code: 'custom', message: 'must not have a #fragment' });
    return url.href;
  });

const webhook = z.strictObject({
  url: webhookUrl,
  /** shared with the receiver to check X-Bulwark-Signature; left out: keep the secret this URL already has */
  secret: z.string().min(16, 'a webhook secret has at least 16 characters').max(256, 'a webhook secret has at most 256 characters').optional(),
});

const body = z
  .strictObject({
    emails: z.array(email).max(MAX_EMAILS, `at most ${MAX_EMAILS} addresses`).default([]),
    webhooks: z.array(webhook).max(MAX_WEBHOOKS, `at most ${MAX_WEBHOOKS} webhooks`).default([]),
  })
  .superRefine(({ emails, webhooks }, context) => {
    const seen = new Set<string>();
    emails.forEach((address, index) => {
      if (seen.has(address.toLowerCase())) context.addIssue({ code: 'custom', path: ['emails', index], message: `${address} is listed twice` });
      seen.add(address.toLowerCase());
    });
    const urls = new Set<string>();
    webhooks.forEach(({ url }, index) => {
      if (urls.has(url)) context.addIssue({ code: 'custom', path: ['webhooks', index, 'url'], message: `${url} is listed twice` });
      urls.add(url);
    });
  });

/** The settings as an admin reads them: a webhook's secret is never shown, only that it is set. */
export type NotificationSettingsView = {
  emails: string[];
  webhooks: Array<{ url: string; secretSet: true }>;
  version: number;
  /** how emails leave: smtp, the development file (embedded default without SMTP), or notConfigured */
  emailDelivery: EmailSender['delivery'];
};

@ApiTags('settings')
@Controller('v1/settings/notifications')
export class NotificationSettingsController {
  constructor(
    private readonly settings: NotificationSettingsStreams,
    private readonly dispatcher: NotificationDispatcher,
    @Inject(EMAIL_SENDER) private readonly email: EmailSender,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Who is notified of fraud reports, lockouts and high user risk: email addresses and signed webhooks' })
  @ApiZodResponse(200, notificationSettings, 'The receivers (webhook secrets are never shown)')
  async get(): Promise<NotificationSettingsView> {
    return this.view(await this.settings.current());
  }

  @Put()
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(body, { emails: ['soc@contoso.com'], webhooks: [{ url: 'https://siem.contoso.com/hooks/bulwark', secret: 'kq3v9x2m8p4t7w1z6b5n' }] })
  @ApiOperation({
    summary:
      'Replace the receivers: { emails: [address], webhooks: [{ url, secret }] } (at most 20 of each). A webhook sent without its secret keeps the one it has.',
  })
  @ApiZodResponse(200, notificationSettings, 'The new receivers and their version')
  async change(@Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext): Promise<NotificationSettingsView> {
    const now = this.clock.now();
    return this.view(await this.settings.change(request, { ...caller, now }));
  }

  @Post('test')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Send a test notification to every receiver now, one attempt each, and say which got it and why not' })
  @ApiZodResponse(200, testNotificationResults, 'One line per receiver: delivered or not, and why')
  async test(@Caller() caller: RequestContext): Promise<{ value: Array<{ channel: string; receiver: string; delivered: boolean; reason: string | null }> }> {
    const notification = testNotification(randomUUID(), this.clock.now().toISOString(), caller.correlationId);
    return { value: await this.dispatcher.sendTest(notification) };
  }

  private view({ emails, webhooks, version }: NotificationSettings): NotificationSettingsView {
    return { emails, webhooks: webhooks.map(({ url }) => ({ url, secretSet: true as const })), version, emailDelivery: this.email.delivery };
  }
}
