import { Body, Controller, Get, HttpCode, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiZodBody, Caller, RequestContext, Roles, zodBody } from '@bulwark/platform';
import { z } from 'zod';
import { UserMfaStreams } from '../../user-mfa/user-mfa.streams';
import { LockoutPolicy } from '../lockout-settings.decider';
import { ChangeLockoutSettingsCommand } from './change-lockout-settings.handler';

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
  get(): Promise<LockoutPolicy> {
    return this.streams.lockoutPolicy();
  }

  @Put()
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(body)
  @ApiOperation({ summary: 'Set denials before lockout, minutes until the counter resets, minutes until automatic unlock (0: only an admin unlocks)' })
  change(@Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext): Promise<LockoutPolicy> {
    return this.commands.execute(new ChangeLockoutSettingsCommand(request, caller));
  }
}
