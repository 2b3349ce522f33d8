import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiZodBody, Caller, RequestContext, Roles, zodBody, clientIpField } from '@bulwark/platform';
import { z } from 'zod';
import { idParam, userIdParam } from '../user-mfa.schemas';
import { IssueChallengeCommand, IssuedChallenge } from './issue-challenge.handler';

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
});

@ApiTags('mfa')
@Controller('v1/mfa/challenges')
export class IssueChallengeController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Roles('app')
  @ApiZodBody(body)
  @ApiOperation({ summary: 'Start an MFA challenge for a sign-in (app code, push with number matching, SMS or call); a locked-out user is refused at once' })
  issue(@Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext): Promise<IssuedChallenge> {
    return this.commands.execute(new IssueChallengeCommand(request, caller));
  }
}
