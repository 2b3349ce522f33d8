import { Body, Controller, Get, HttpCode, Inject, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { streams } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, handleCommand } from '@bulwark/event-store';
import { ApiZodBody, Caller, CLOCK, Clock, RequestContext, Roles, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { parseCidr, SignInPolicies } from './sign-in-policy';
import { MAX_TRUSTED_RANGES, TenantSettings, tenantSettingsDecider } from './tenant-settings.decider';
import { tenantSettings } from '../mfa.responses';

const cidr = z.string().transform((text, context) => {
  const range = parseCidr(text);
  if (!range) {
    context.addIssue({ code: 'custom', message: `"${text.slice(0, 64)}" is not a CIDR range such as 203.0.113.0/24 or 2001:db8::/32` });
    return z.NEVER;
  }
  return `${range.address}/${range.prefix}`;
});

const body = z.strictObject({
  enabledMethods: z.array(z.enum(['call', 'sms', 'appNotification', 'appCode'])).min(1, 'at least one verification method must stay enabled'),
  trustedIpRanges: z.array(cidr).max(MAX_TRUSTED_RANGES, `at most ${MAX_TRUSTED_RANGES} trusted IP ranges`),
  /** null or absent: do not remember devices */
  rememberDeviceDays: z.number().int().min(1).max(365).nullable().default(null),
  smsCodeLifetimeSeconds: z.number().int().min(60).max(900).default(180),
  voiceCallLifetimeSeconds: z.number().int().min(60).max(900).default(300),
  pushTimeoutSeconds: z.number().int().min(30).max(300).default(60),
});

@ApiTags('settings')
@Controller('v1/settings/mfa')
export class TenantSettingsController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, private readonly policies: SignInPolicies, @Inject(CLOCK) private readonly clock: Clock) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'The MFA service settings in force: verification methods, trusted IP ranges, days to remember a device' })
  @ApiZodResponse(200, tenantSettings, 'The MFA service settings in force')
  get(): Promise<TenantSettings> {
    return this.policies.settings();
  }

  @Put()
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(body, { enabledMethods: ['appCode', 'appNotification', 'sms'], trustedIpRanges: ['203.0.113.0/24'], rememberDeviceDays: 14 })
  @ApiOperation({ summary: 'Set the verification methods (call, sms, appNotification, appCode), trusted IP ranges (CIDR, at most 50) and remember-device days (1–365)' })
  @ApiZodResponse(200, tenantSettings, 'The new settings and their version')
  async change(@Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext): Promise<TenantSettings> {
    const now = this.clock.now();
    const { state } = await handleCommand(this.store, streams.tenantSettings, tenantSettingsDecider, { type: 'ChangeTenantSettings', data: { ...request, now: now.toISOString() } }, { ...caller, now });
    return state;
  }
}
