import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { streams } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, handleCommand } from '@bulwark/event-store';
import { AwaitsEffects, ApiZodBody, Caller, CLOCK, Clock, RequestContext, Roles, ZodPipe, zodBody, userIdParam, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { blockAt, userProtectionDecider, UserProtectionState } from '../user-protection.decider';
import { blockState } from '../../identity-protection.responses';

const blockBody = z.strictObject({ reason: z.string().trim().min(1).max(500), days: z.number().int().min(1).max(365).default(90) });
const unblockBody = z.strictObject({ reason: z.string().trim().min(1).max(500) });

@ApiTags('protection')
@Controller('v1/users/:userId')
export class BlockUserController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, @Inject(CLOCK) private readonly clock: Clock) {}

  @AwaitsEffects()
  @Post('block')
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(blockBody, { reason: 'Suspected account takeover', days: 30 })
  @ApiOperation({ summary: "Block a user from MFA with a reason, for a number of days (default 90): every attempt is denied userBlocked" })
  @ApiZodResponse(200, blockState, 'The user is blocked until the date given')
  async block(@Param('userId', new ZodPipe(userIdParam, 'path')) userId: string, @Body(zodBody(blockBody)) request: z.infer<typeof blockBody>, @Caller() caller: RequestContext) {
    const now = this.clock.now();
    const { state } = await handleCommand(this.store, streams.userProtection(userId), userProtectionDecider, { type: 'BlockUser', data: { userId, ...request, now: now.toISOString() } }, { ...caller, now });
    return blockAnswer(userId, blockAt(state, now.toISOString()));
  }

  @AwaitsEffects()
  @Post('unblock')
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(unblockBody, { reason: 'Password reset and identity confirmed' })
  @ApiOperation({ summary: 'Clear the block on a user, with a reason' })
  @ApiZodResponse(200, blockState, 'The user is no longer blocked')
  async unblock(@Param('userId', new ZodPipe(userIdParam, 'path')) userId: string, @Body(zodBody(unblockBody)) request: z.infer<typeof unblockBody>, @Caller() caller: RequestContext) {
    const now = this.clock.now();
    const { state } = await handleCommand(this.store, streams.userProtection(userId), userProtectionDecider, { type: 'UnblockUser', data: { userId, ...request, now: now.toISOString() } }, { ...caller, now });
    return blockAnswer(userId, state);
  }
}

/** The answer in the API's one convention (camelCase values, as `unlocked` and every Graph enum): `blocked` or `unblocked`. */
function blockAnswer(userId: string, state: UserProtectionState) {
  return state.status === 'Blocked' ? { userId, status: 'blocked' as const, until: state.until, reason: state.reason } : { userId, status: 'unblocked' as const };
}
