import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiRateLimited, AwaitsEffects, ApiZodBody, Caller, RequestContext, Roles, ZodPipe, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { ReportSuspiciousActivityCommand } from '../report-suspicious-activity/report-suspicious-activity.handler';
import { idParam } from '../user-mfa.schemas';
import { VerifyChallengeCommand } from '../verify-challenge/verify-challenge.handler';
import { verificationResult } from '../../mfa.responses';

const body = z.discriminatedUnion('response', [
  z.strictObject({ response: z.literal('approve'), number: z.string().regex(/^\d{2}$/, 'number is the two digits the user picked') }),
  z.strictObject({ response: z.literal('deny') }),
  z.strictObject({ response: z.literal('report') }),
]);

@ApiTags('mfa')
@Controller('v1/mfa/challenges/:challengeId/pushResponse')
export class AnswerPushController {
  constructor(private readonly commands: CommandBus) {}

  @AwaitsEffects()
  @Post()
  @HttpCode(200)
  @Roles('app')
  @ApiRateLimited()
  @ApiZodBody(body, { response: 'approve', number: '42' })
  @ApiOperation({ summary: "The authenticator app's answer to a push: approve with the number shown at sign-in, deny, or report fraud" })
  @ApiZodResponse(200, verificationResult, 'approved with a session, or denied with the reason (userDeclined, wrongNumber, fraudReported, …)')
  answer(
    @Param('challengeId', new ZodPipe(idParam, 'path')) challengeId: string,
    @Body(zodBody(body)) request: z.infer<typeof body>,
    @Caller() caller: RequestContext,
  ) {
    if (request.response === 'report') return this.commands.execute(new ReportSuspiciousActivityCommand(challengeId, caller));
    const number = request.response === 'approve' ? request.number : null;
    return this.commands.execute(new VerifyChallengeCommand(challengeId, { kind: 'push', response: request.response, number }, caller));
  }
}
