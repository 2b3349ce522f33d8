import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AwaitsEffects, Caller, RequestContext, Roles, ZodPipe, ApiZodResponse } from '@bulwark/platform';
import { idParam } from '../user-mfa.schemas';
import { ReportSuspiciousActivityCommand, SuspiciousActivityReport } from './report-suspicious-activity.handler';
import { suspiciousActivityReport } from '../../mfa.responses';

@ApiTags('mfa')
@Controller('v1/mfa/challenges/:challengeId/reportSuspiciousActivity')
export class ReportSuspiciousActivityController {
  constructor(private readonly commands: CommandBus) {}

  @AwaitsEffects()
  @Post()
  @HttpCode(200)
  @Roles('app')
  @ApiOperation({ summary: 'The user says "this was not me": the challenge is denied and the report raises the user risk' })
  @ApiZodResponse(200, suspiciousActivityReport, 'The challenge is denied as fraudReported')
  report(@Param('challengeId', new ZodPipe(idParam, 'path')) challengeId: string, @Caller() caller: RequestContext): Promise<SuspiciousActivityReport> {
    return this.commands.execute(new ReportSuspiciousActivityCommand(challengeId, caller));
  }
}
