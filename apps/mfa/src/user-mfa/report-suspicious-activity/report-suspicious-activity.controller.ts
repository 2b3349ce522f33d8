import { Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CLOCK, Caller, Clock, RequestContext, Roles, ZodPipe } from '@bulwark/platform';
import { ChallengeRouter } from '../challenge-router';
import { idParam } from '../user-mfa.schemas';
import { UserMfaStreams } from '../user-mfa.streams';

@ApiTags('mfa')
@Controller('v1/mfa/challenges/:challengeId/reportSuspiciousActivity')
export class ReportSuspiciousActivityController {
  constructor(private readonly streams: UserMfaStreams, private readonly router: ChallengeRouter, @Inject(CLOCK) private readonly clock: Clock) {}

  @Post()
  @HttpCode(200)
  @Roles('app')
  @ApiOperation({ summary: 'The user says "this was not me": the challenge is denied and the report raises the user risk' })
  async report(@Param('challengeId', new ZodPipe(idParam, 'path')) challengeId: string, @Caller() caller: RequestContext) {
    const userId = await this.router.userOf(challengeId);
    const now = this.clock.now();
    await this.streams.execute(userId, { type: 'ReportSuspiciousActivity', data: { userId, challengeId, now: now.toISOString() } }, { ...caller, now });
    return { status: 'denied', reason: 'fraudReported' };
  }
}
