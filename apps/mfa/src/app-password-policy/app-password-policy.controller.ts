import { Body, Controller, Get, HttpCode, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { streams } from '@bulwark/contracts';
import { ApiZodBody, Caller, RequestContext, Roles, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { MfaSettingsStreams } from '../tenant-settings/mfa-settings.streams';
import { AppPasswordPolicy, appPasswordPolicyDecider } from './app-password-policy.decider';
import { appPasswordPolicy } from '../mfa.responses';

const body = z.strictObject({ allowUsersToCreateAppPasswords: z.boolean() });

@ApiTags('settings')
@Controller('v1/settings/appPasswords')
export class AppPasswordPolicyController {
  constructor(private readonly settings: MfaSettingsStreams) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Whether users may create app passwords for legacy clients (off by default)' })
  @ApiZodResponse(200, appPasswordPolicy, 'The app password policy')
  get(): Promise<AppPasswordPolicy> {
    return this.settings.appPasswords();
  }

  @Put()
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(body, { allowUsersToCreateAppPasswords: true })
  @ApiOperation({ summary: 'Allow or refuse the creation of app passwords; existing app passwords keep working until deleted' })
  @ApiZodResponse(200, appPasswordPolicy, 'The new policy and its version')
  async change(@Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext): Promise<AppPasswordPolicy> {
    const { state } = await this.settings.execute(streams.appPasswordPolicy, appPasswordPolicyDecider, { type: 'ChangeAppPasswordPolicy', data: request }, caller);
    return state;
  }
}
