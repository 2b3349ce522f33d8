import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AwaitsEffects, ApiZodBody, Caller, RequestContext, Roles, ZodPipe, zodBody, userIdParam, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { RevokeSessionsCommand } from './revoke-sessions.handler';
import { sessionsRevoked } from '../../sessions.responses';

const body = z.strictObject({ reason: z.string().min(1).max(500).optional() }).optional();

@ApiTags('sessions')
@Controller('v1.0/users/:userId/revokeSignInSessions')
export class RevokeSessionsController {
  constructor(private readonly commands: CommandBus) {}

  @AwaitsEffects()
  @Post()
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(body, { reason: 'Phone lost' })
  @ApiOperation({ summary: "Graph's revokeSignInSessions: every session of the user is invalid from this moment" })
  @ApiZodResponse(200, sessionsRevoked, 'Every session of the user is revoked')
  async revoke(
    @Param('userId', new ZodPipe(userIdParam, 'path')) userId: string,
    @Body(zodBody(body)) request: z.infer<typeof body>,
    @Caller() caller: RequestContext,
  ) {
    await this.commands.execute(new RevokeSessionsCommand(userId, request?.reason ?? null, caller));
    return { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean', value: true };
  }
}
