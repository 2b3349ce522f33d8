import { Body, Controller, Get, HttpCode, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { streams } from '@bulwark/contracts';
import { ApiZodBody, Caller, RequestContext, Roles, userIdParam, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { MfaSettingsStreams } from '../tenant-settings/mfa-settings.streams';
import { RegistrationPolicy, registrationPolicyDecider } from './registration-policy.decider';
import { registrationPolicy } from '../mfa.responses';

const groupId = z.string().regex(/^[A-Za-z0-9._@-]{1,256}$/, 'a group id is 1 to 256 letters, digits, ".", "_", "@" or "-"');

const body = z
  .strictObject({
    requiredFor: z.enum(['all', 'selected']),
    userIds: z.array(userIdParam).max(500, 'at most 500 users').default([]),
    groupIds: z.array(groupId).max(500, 'at most 500 groups').default([]),
    postponeDays: z.number().int().min(0, 'postponeDays is 0 to 14').max(14, 'postponeDays is 0 to 14'),
  })
  .refine((policy) => policy.requiredFor === 'all' || policy.userIds.length + policy.groupIds.length > 0, {
    message: 'requiredFor "selected" needs at least one user or group id',
    path: ['requiredFor'],
  })
  .refine((policy) => policy.requiredFor === 'selected' || policy.userIds.length + policy.groupIds.length === 0, {
    message: 'requiredFor "all" takes no user or group ids',
    path: ['requiredFor'],
  });

@ApiTags('settings')
@Controller('v1/settings/registration')
export class RegistrationPolicyController {
  constructor(private readonly settings: MfaSettingsStreams) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Who must register MFA methods (all users, or listed users and groups) and how many days they may postpone it' })
  @ApiZodResponse(200, registrationPolicy, 'The registration policy in force')
  get(): Promise<RegistrationPolicy> {
    return this.settings.registration();
  }

  @Put()
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(body, { requiredFor: 'selected', userIds: ['new-hire'], groupIds: ['contractors'], postponeDays: 7 })
  @ApiOperation({
    summary: 'Set who must register MFA methods and the days (0–14) they may postpone it; a challenge for such a user without a usable method answers registrationRequired',
  })
  @ApiZodResponse(200, registrationPolicy, 'The new policy and its version')
  async change(@Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext): Promise<RegistrationPolicy> {
    const { state } = await this.settings.execute(streams.registrationPolicy, registrationPolicyDecider, { type: 'ChangeRegistrationPolicy', data: request }, caller);
    return state;
  }
}
