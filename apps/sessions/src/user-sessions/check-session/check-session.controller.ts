import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, ZodPipe } from '@bulwark/platform';
import { z } from 'zod';
import { SessionsService, SessionValidity } from '../sessions.service';

@ApiTags('sessions')
@Controller('v1/sessions/:sessionId')
export class CheckSessionController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @Roles('app')
  @ApiOperation({ summary: 'Whether a session created by an approved MFA is still valid' })
  check(@Param('sessionId', new ZodPipe(z.uuid({ error: 'a session id is a UUID' }), 'path')) sessionId: string): Promise<SessionValidity> {
    return this.sessions.check(sessionId);
  }
}
