import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiZodBody, Caller, CLOCK, Clock, RequestContext, Roles, ZodPipe, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { userIdParam } from '../user-mfa.schemas';
import { UserMfaStreams } from '../user-mfa.streams';
import { unlocked } from '../../mfa.responses';

const body = z.strictObject({ reason: z.string().trim().min(1).max(500) });

@ApiTags('protection')
@Controller('v1/users/:userId/unlock')
export class UnlockAccountController {
  constructor(private readonly streams: UserMfaStreams, @Inject(CLOCK) private readonly clock: Clock) {}

  @Post()
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(body, { reason: 'Identity confirmed by the service desk on a call back' })
  @ApiOperation({ summary: 'Lift a lockout now, with a reason; the denial counter starts afresh' })
  @ApiZodResponse(200, unlocked, 'The user may sign in again')
  async unlock(@Param('userId', new ZodPipe(userIdParam, 'path')) userId: string, @Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext) {
    const now = this.clock.now();
    await this.streams.signIn(userId, { type: 'UnlockAccount', data: { userId, reason: request.reason, now: now.toISOString() } }, { ...caller, now });
    return { userId, status: 'unlocked' };
  }
}
