import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@bulwark/contracts';
import { AwaitsEffects, ApiZodBody, Caller, CLOCK, Clock, RequestContext, Roles, ZodPipe, zodBody, ApiNoContentResponse, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { userIdParam } from '../user-mfa.schemas';
import { UserMfaStreams } from '../user-mfa.streams';
import { perUserMfaState } from '../../mfa.responses';

const requirements = z.strictObject({ perUserMfaState: z.enum(['disabled', 'enabled', 'enforced']) });

@ApiTags('methods')
@Controller()
export class UserRequirementsController {
  constructor(private readonly streams: UserMfaStreams, @Inject(CLOCK) private readonly clock: Clock) {}

  @Get('beta/users/:userId/authentication/requirements')
  @Roles('admin', 'analyst')
  @ApiOperation({ summary: "Per-user MFA state in Graph beta's strongAuthenticationRequirements shape" })
  @ApiZodResponse(200, perUserMfaState, 'The per-user MFA state')
  async get(@Param('userId', new ZodPipe(userIdParam, 'path')) userId: string) {
    const state = await this.streams.state(userId);
    if (!state.exists) throw new DomainError('USER_NOT_FOUND', 'notFound', `user ${userId} has no MFA registration`);
    return { perUserMfaState: state.mfaState };
  }

  @Patch('beta/users/:userId/authentication/requirements')
  @HttpCode(204)
  @Roles('admin')
  @ApiZodBody(requirements, { perUserMfaState: 'enforced' })
  @ApiOperation({ summary: 'Set per-user MFA: disabled (sign-ins skip MFA), enabled or enforced (MFA required)' })
  @ApiNoContentResponse('Set')
  async set(
    @Param('userId', new ZodPipe(userIdParam, 'path')) userId: string,
    @Body(zodBody(requirements)) request: z.infer<typeof requirements>,
    @Caller() caller: RequestContext,
  ): Promise<void> {
    const now = this.clock.now();
    await this.streams.execute(userId, { type: 'SetUserMfaState', data: { userId, state: request.perUserMfaState, now: now.toISOString() } }, { ...caller, now });
  }

  @AwaitsEffects()
  @Post('v1/users/:userId/authentication/requireReregistration')
  @HttpCode(204)
  @Roles('admin')
  @ApiOperation({ summary: "Require re-registration: every method of the user is removed and the next sign-in must register again" })
  @ApiNoContentResponse('Every method of the user is removed')
  async requireReregistration(@Param('userId', new ZodPipe(userIdParam, 'path')) userId: string, @Caller() caller: RequestContext): Promise<void> {
    const now = this.clock.now();
    await this.streams.execute(userId, { type: 'RequireReregistration', data: { userId, now: now.toISOString() } }, { ...caller, now });
  }
}
