import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiRateLimited, ApiZodBody, Caller, RequestContext, Roles, ZodPipe, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { idParam, otpCode } from '../user-mfa.schemas';
import { VerificationResult, VerifyChallengeCommand } from './verify-challenge.handler';
import { verificationResult } from '../../mfa.responses';

const body = z.strictObject({ code: otpCode, /** skip MFA on this device for the tenant's remember-device days */ rememberDevice: z.boolean().default(false) });

@ApiTags('mfa')
@Controller('v1/mfa/challenges/:challengeId/verify')
export class VerifyChallengeController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(200)
  @Roles('app')
  @ApiRateLimited()
  @ApiZodBody(body, { code: '492039', rememberDevice: false })
  @ApiOperation({ summary: 'Answer an app-code or SMS challenge with its code: approved with a session, or denied with a reason' })
  @ApiZodResponse(200, verificationResult, 'approved with a session, or denied with the reason (wrongCode, replayedCode, lockedOut, …)')
  verify(
    @Param('challengeId', new ZodPipe(idParam, 'path')) challengeId: string,
    @Body(zodBody(body)) request: z.infer<typeof body>,
    @Caller() caller: RequestContext,
  ): Promise<VerificationResult> {
    return this.commands.execute(new VerifyChallengeCommand(challengeId, { kind: 'code', code: request.code }, caller, request.rememberDevice));
  }
}
