import { Body, Controller, Get, HttpCode, Inject, OnModuleInit, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FraudAlertSettings, fraudAlertSettingsFold, RecordedEvent, streams, SuspiciousActivityReported } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, handleCommand, loadState } from '@bulwark/event-store';
import { ApiZodBody, Caller, CLOCK, Clock, ConsumerHost, Reaction, RequestContext, Roles, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { userProtectionDecider } from '../user-protection/user-protection.decider';
import { fraudAlertSettingsDecider } from './fraud-alert-settings.decider';
import { fraudAlertSettings } from '../identity-protection.responses';

const body = z.strictObject({
  reportSuspiciousActivity: z.enum(['enabled', 'disabled']),
  voiceReportingCode: z.string().regex(/^[0-9]$/, 'voiceReportingCode is one digit (0–9) pressed before #').default('0'),
  autoBlockOnFraud: z.boolean(),
});

@ApiTags('settings')
@Controller('v1/settings/fraudAlert')
export class FraudAlertController implements OnModuleInit {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, private readonly consumers: ConsumerHost, @Inject(CLOCK) private readonly clock: Clock) {}

  /** With auto-block on, a user's fraud report blocks the user from MFA (90 days), in the reaction to the report. */
  onModuleInit(): void {
    this.consumers.register(
      new Reaction('block-on-fraud-report', ['SuspiciousActivityReported'], this.store, async (event) => {
        const { userId, autoBlockOnFraud } = (event as unknown as RecordedEvent<SuspiciousActivityReported>).data;
        // the setting as it stood when the user reported, not as it stands when this reaction runs
        if (!(autoBlockOnFraud ?? (await this.settings()).autoBlockOnFraud)) return;
        const now = new Date(event.metadata.occurredAt);
        await handleCommand(
          this.store,
          streams.userProtection(userId),
          userProtectionDecider,
          { type: 'BlockUser', data: { userId, reason: 'Fraud reported - user is blocked for MFA', days: 90, now: now.toISOString() } },
          { correlationId: event.metadata.correlationId, causationId: event.eventId, actor: { type: 'system', id: 'identity-protection' }, now },
        );
      }),
    );
  }

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Fraud alert settings: whether users may report suspicious activity, the voice reporting code, auto-block' })
  @ApiZodResponse(200, fraudAlertSettings, 'The fraud alert settings')
  settings(): Promise<FraudAlertSettings> {
    return loadState(this.store, streams.fraudAlertSettings, fraudAlertSettingsFold).then(({ state }) => state);
  }

  @Put()
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(body, { reportSuspiciousActivity: 'enabled', voiceReportingCode: '0', autoBlockOnFraud: true })
  @ApiOperation({ summary: 'Set reportSuspiciousActivity (enabled|disabled), voiceReportingCode (default 0) and autoBlockOnFraud' })
  @ApiZodResponse(200, fraudAlertSettings, 'The new settings and their version')
  async change(@Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext): Promise<FraudAlertSettings> {
    const now = this.clock.now();
    const { state } = await handleCommand(this.store, streams.fraudAlertSettings, fraudAlertSettingsDecider, { type: 'ChangeFraudAlertSettings', data: { ...request, now: now.toISOString() } }, { ...caller, now });
    return state;
  }
}
