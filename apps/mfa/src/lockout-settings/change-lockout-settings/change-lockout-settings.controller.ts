import { Body, Controller, Get, HttpCode, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiZodBody, Caller, RequestContext, Roles, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { UserMfaStreams } from '../../user-mfa/user-mfa.streams';
import { LockoutPolicy } from '../lockout-settings.decider';
import { ChangeLockoutSettingsCommand } from './change-lockout-settings.handler';
import { lockoutPolicy } from '../../mfa.responses';

const body = z.strictObject({
  denialsBeforeLockout: z.number().int().min(1).max(1000),
  counterResetMinutes: z.number().int().min(1).max(1440),
  autoUnlockMinutes: z.number().int().min(0).max(1440),
});

@ApiTags('settings')
@Controller('v1/settings/lockout')
export class ChangeLockoutSettingsController {
  constructor(private readonly commands: CommandBus, private readonly streams: UserMfaStreams) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'The lockout policy in force, with its version' })
  @ApiZodResponse(200, lockoutPolicy, 'The lockout policy in force')
  get(): Promise<LockoutPolicy> {
    return this.streams.lockoutPolicy();
  }

  @Put()
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(body, { denialsBeforeLockout: 5, counterResetMinutes: 10, autoUnlockMinutes: 15 })
  @ApiOperation({ summary: 'Set denials before lockout, minutes until the counter resets, minutes until automatic unlock (0: only an admin unlocks)' })
  @ApiZodResponse(200, lockoutPolicy, 'The new policy and its version')
  change(@Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext): Promise<LockoutPolicy> {
    return this.commands.execute(new ChangeLockoutSettingsCommand(request, caller));
  }
}
