import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@bulwark/contracts';
import { AwaitsEffects, ApiZodBody, Caller, CLOCK, Clock, RequestContext, Roles, ZodPipe, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { userIdParam } from '../user-mfa.schemas';
import { UserMfaStreams } from '../user-mfa.streams';
import { rememberedDevicesRevoked } from '../../mfa.responses';

const DEFAULT_REASON = 'remembered devices revoked by an admin';
/** the body is optional: a bare POST revokes with the default reason */
const body = z.strictObject({ reason: z.string().trim().min(1).max(500).default(DEFAULT_REASON) }).optional();

@ApiTags('protection')
@Controller('v1/users/:userId/revokeMfaRememberedDevices')
export class RevokeRememberedDevicesController {
  constructor(private readonly streams: UserMfaStreams, @Inject(CLOCK) private readonly clock: Clock) {}

  /** Entra's "restore MFA on all remembered devices": the next sign-in from any of them proves a factor again. */
  @AwaitsEffects()
  @Post()
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(body, { reason: 'Laptop reported stolen' })
  @ApiOperation({ summary: "End every remembered device of a user (optional reason): each one's next sign-in asks for MFA again" })
  @ApiZodResponse(200, rememberedDevicesRevoked, 'How many remembered devices were ended')
  async revoke(@Param('userId', new ZodPipe(userIdParam, 'path')) userId: string, @Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext) {
    const now = this.clock.now();
    const before = await this.streams.signInState(userId);
    if (!before.methods.exists) throw new DomainError('USER_NOT_FOUND', 'notFound', `user ${userId} has no MFA registration`);
    const { events } = await this.streams.signIn(userId, { type: 'ForgetRememberedDevices', data: { userId, reason: request?.reason ?? DEFAULT_REASON, now: now.toISOString() } }, { ...caller, now });
    const devicesRevoked = events.length ? Object.values(before.signIn.rememberedDevices).filter((expiresAt) => Date.parse(expiresAt) > now.getTime()).length : 0;
    return { userId, devicesRevoked };
  }
}
