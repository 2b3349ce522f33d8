import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiRateLimited, ApiZodBody, Caller, RequestContext, Roles, zodBody, clientIpField, ApiZodResponse } from '@bulwark/platform';
import { languageTag } from '@bulwark/contracts';
import { z } from 'zod';
import { idParam, userIdParam } from '../user-mfa.schemas';
import { IssueChallengeCommand, IssuedChallenge } from './issue-challenge.handler';
import { issuedChallenge } from '../../mfa.responses';

const body = z.strictObject({
  userId: userIdParam,
  clientIp: clientIpField,
  userAgent: z.string().max(1024).optional(),
  appId: z.string().min(1).max(200).optional(),
  /** a method of the user's, else their default */
  methodId: idParam.optional(),
  /** how to answer: appCode, appNotification (push), sms or voice; else the method's natural one */
  channel: z.enum(['appCode', 'appNotification', 'sms', 'voice']).optional(),
  /** the remembered-device token an earlier approval returned */
  deviceToken: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'deviceToken is the token an earlier approval returned').optional(),
  /** the groups the user is a member of, as the relying party's directory says: the registration policy may name them */
  groupIds: z.array(z.string().regex(/^[A-Za-z0-9._@-]{1,256}$/, 'a group id is 1 to 256 letters, digits, ".", "_", "@" or "-"')).max(200).optional(),
  /** the user's language (BCP 47): a call plays the custom voice message recorded in it, else the standard one */
  language: languageTag.optional(),
  /** the user's name and email: recorded with the sign-in only as far as /v1/settings/signInLogFields allows */
  firstName: z.string().trim().min(1).max(200).optional(),
  lastName: z.string().trim().min(1).max(200).optional(),
  email: z.email().max(320).optional(),
});

@ApiTags('mfa')
@Controller('v1/mfa/challenges')
export class IssueChallengeController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Roles('app')
  @ApiRateLimited()
  @ApiZodBody(body, { userId: 'alice', clientIp: '203.0.113.7', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edge/131.0', appId: 'portal', language: 'en-US' })
  @ApiOperation({
    summary:
      'Start an MFA challenge for a sign-in (app code, push with number matching, SMS or call); a locked-out user is refused at once; a user with no usable method gets status registrationRequired',
  })
  @ApiZodResponse(201, issuedChallenge, 'The challenge: pending (answer it), denied (locked out or blocked), bypassed (a session is open) or registrationRequired')
  issue(@Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext): Promise<IssuedChallenge> {
    return this.commands.execute(new IssueChallengeCommand(request, caller));
  }
}
