import { Body, Controller, Get, HttpCode, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { streams } from '@bulwark/contracts';
import { ApiZodBody, Caller, RequestContext, Roles, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { MfaSettingsStreams } from '../tenant-settings/mfa-settings.streams';
import { SignInLogFields, signInLogFieldsDecider } from './sign-in-log-fields.decider';
import { signInLogFields } from '../mfa.responses';

const body = z.strictObject({ firstName: z.boolean(), lastName: z.boolean(), email: z.boolean() });

@ApiTags('settings')
@Controller('v1/settings/signInLogFields')
export class SignInLogFieldsController {
  constructor(private readonly settings: MfaSettingsStreams) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: "Which optional fields of a sign-in are recorded: the user's first name, last name, email (all off by default)" })
  @ApiZodResponse(200, signInLogFields, 'The optional fields recorded')
  get(): Promise<SignInLogFields> {
    return this.settings.signInLogFields();
  }

  @Put()
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(body, { firstName: true, lastName: true, email: false })
  @ApiOperation({ summary: 'Choose the optional fields recorded from now on; a field turned off is no longer recorded, nor shown in the sign-in log' })
  @ApiZodResponse(200, signInLogFields, 'The new choice and its version')
  async change(@Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext): Promise<SignInLogFields> {
    const { state } = await this.settings.execute(streams.signInLogFields, signInLogFieldsDecider, { type: 'ChangeSignInLogFields', data: request }, caller);
    return state;
  }
}
