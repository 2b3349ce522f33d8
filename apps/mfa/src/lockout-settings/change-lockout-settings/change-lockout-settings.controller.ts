import { Body, Controller, Get, HttpCode, Inject, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { streams } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, handleCommand } from '@bulwark/event-store';
import { ApiZodBody, CLOCK, Caller, Clock, RequestContext, Roles, zodBody } from '@bulwark/platform';
import { z } from 'zod';
import { UserMfaStreams } from '../../user-mfa/user-mfa.streams';
import { LockoutPolicy, lockoutSettingsDecider } from '../lockout-settings.decider';

const body = z.strictObject({
  denialsBeforeLockout: z.number().int().min(1).max(1000),
  counterResetMinutes: z.number().int().min(1).max(1440),
  autoUnlockMinutes: z.number().int().min(0).max(1440),
});

@ApiTags('settings')
@Controller('v1/settings/lockout')
export class ChangeLockoutSettingsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly streams: UserMfaStreams,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'The lockout policy in force, with its version' })
  get(): Promise<LockoutPolicy> {
    return this.streams.lockoutPolicy();
  }

  @Put()
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(body)
  @ApiOperation({ summary: 'Set denials before lockout, minutes until the counter resets, minutes until automatic unlock (0: only an admin unlocks)' })
  async change(@Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext): Promise<LockoutPolicy> {
    const now = this.clock.now();
    const { state } = await handleCommand(
      this.store,
      streams.lockoutSettings,
      lockoutSettingsDecider,
      { type: 'ChangeLockoutSettings', data: { ...request, now: now.toISOString() } },
      { ...caller, now },
    );
    return state;
  }
}
