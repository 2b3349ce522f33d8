import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, ZodPipe, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { SessionsService, SessionValidity } from '../sessions.service';
import { sessionValidity } from '../../sessions.responses';

@ApiTags('sessions')
@Controller('v1/sessions/:sessionId')
export class CheckSessionController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @Roles('app')
  @ApiOperation({ summary: 'Whether a session created by an approved MFA is still valid' })
  @ApiZodResponse(200, sessionValidity, 'valid with its user, or not valid with the reason')
  check(@Param('sessionId', new ZodPipe(z.uuid({ error: 'a session id is a UUID' }), 'path')) sessionId: string): Promise<SessionValidity> {
    return this.sessions.check(sessionId);
  }
}
