import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiRateLimited, AwaitsEffects, ApiError, ApiZodBody, Caller, RequestContext, Roles, ZodPipe, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { APPROVE_KEY } from '../../phone/delivery/otp-delivery.port';
import { FraudAlertPolicy } from '../fraud-alert-policy';
import { ReportSuspiciousActivityCommand } from '../report-suspicious-activity/report-suspicious-activity.handler';
import { idParam } from '../user-mfa.schemas';
import { VerifyChallengeCommand } from '../verify-challenge/verify-challenge.handler';
import { verificationResult } from '../../mfa.responses';

const body = z.strictObject({ keys: z.string().regex(/^[0-9*#]{1,8}$/, 'keys are the digits, * and # pressed on the call') });

@ApiTags('mfa')
@Controller('v1/mfa/challenges/:challengeId/callResponse')
export class AnswerCallController {
  constructor(private readonly commands: CommandBus, private readonly fraud: FraudAlertPolicy) {}

  @AwaitsEffects()
  @Post()
  @HttpCode(200)
  @Roles('app')
  @ApiRateLimited()
  @ApiZodBody(body, { keys: '#' })
  @ApiOperation({ summary: 'The telephony provider relays the keys pressed on a voice call: # approves, the fraud code then # reports fraud' })
  @ApiZodResponse(200, verificationResult, 'approved with a session, or denied with the reason')
  async answer(
    @Param('challengeId', new ZodPipe(idParam, 'path')) challengeId: string,
    @Body(zodBody(body)) request: z.infer<typeof body>,
    @Caller() caller: RequestContext,
  ) {
    const { voiceReportingCode } = await this.fraud.settings();
    if (request.keys === `${voiceReportingCode}${APPROVE_KEY}`) return this.commands.execute(new ReportSuspiciousActivityCommand(challengeId, caller));
    if (request.keys === APPROVE_KEY) return this.commands.execute(new VerifyChallengeCommand(challengeId, { kind: 'voice', response: 'approve' }, caller));
    // any other key sequence is not an answer: the call goes on until it expires
    throw new ApiError(422, 'unprocessableEntity', `keys not recognised: # approves, ${voiceReportingCode} then # reports fraud`);
  }
}
