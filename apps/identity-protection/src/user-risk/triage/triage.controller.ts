import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@bulwark/contracts';
import { AwaitsEffects, ApiZodBody, Caller, Clock, CLOCK, RequestContext, Roles, userIdParam, zodBody, ApiNoContentResponse } from '@bulwark/platform';
import { Inject } from '@nestjs/common';
import { z } from 'zod';
import { UserRiskCommand } from '../user-risk.decider';
import { UserRiskStreams } from '../user-risk.streams';

/** Graph's body for the three triage actions. */
const body = z.strictObject({ userIds: z.array(userIdParam).min(1, 'userIds names at least one user').max(60, 'at most 60 userIds at a time') });
type Body = z.infer<typeof body>;

/**
 * An analyst's or admin's triage of risky users, on Graph's paths and bodies. Every id is checked before anything is
 * appended, so a request naming an unknown user changes nobody.
 */
@ApiTags('identity protection')
@Controller('v1.0/identityProtection/riskyUsers')
export class TriageController {
  constructor(private readonly risk: UserRiskStreams, @Inject(CLOCK) private readonly clock: Clock) {}

  @AwaitsEffects()
  @Post('confirmCompromised')
  @HttpCode(204)
  @Roles('analyst', 'admin')
  @ApiZodBody(body, { userIds: ['alice', 'bob'] })
  @ApiOperation({ summary: 'Confirm users compromised: riskLevel high, riskState confirmedCompromised, riskDetail adminConfirmedUserCompromised' })
  @ApiNoContentResponse('Recorded for each user')
  confirmCompromised(@Body(zodBody(body)) request: Body, @Caller() caller: RequestContext): Promise<void> {
    return this.triage(request, caller, (userId, now) => ({ type: 'ConfirmCompromised', data: { userId, now } }));
  }

  @AwaitsEffects()
  @Post('confirmSafe')
  @HttpCode(204)
  @Roles('analyst', 'admin')
  @ApiZodBody(body, { userIds: ['alice', 'bob'] })
  @ApiOperation({ summary: 'Confirm users safe: riskLevel none, riskState confirmedSafe, riskDetail adminConfirmedAccountSafe' })
  @ApiNoContentResponse('Recorded for each user')
  confirmSafe(@Body(zodBody(body)) request: Body, @Caller() caller: RequestContext): Promise<void> {
    return this.triage(request, caller, (userId, now) => ({ type: 'ConfirmSafe', data: { userId, now } }));
  }

  @AwaitsEffects()
  @Post('dismiss')
  @HttpCode(204)
  @Roles('analyst', 'admin')
  @ApiZodBody(body, { userIds: ['alice', 'bob'] })
  @ApiOperation({ summary: "Dismiss users' risk: riskLevel none, riskState dismissed, riskDetail adminDismissedAllRiskForUser, until a new detection" })
  @ApiNoContentResponse('Recorded for each user')
  dismiss(@Body(zodBody(body)) request: Body, @Caller() caller: RequestContext): Promise<void> {
    return this.triage(request, caller, (userId, now) => ({ type: 'DismissRisk', data: { userId, now } }));
  }

  private async triage(request: Body, caller: RequestContext, command: (userId: string, now: string) => UserRiskCommand): Promise<void> {
    const userIds = [...new Set(request.userIds)];
    const states = await Promise.all(userIds.map(async (userId) => ({ userId, state: await this.risk.state(userId) })));
    const unknown = states.filter(({ state }) => state.status === 'Unknown').map(({ userId }) => userId);
    // a user's risk stream, once it exists, never disappears: what was checked here still holds when appending
    if (unknown.length) throw new DomainError('RISKY_USER_NOT_FOUND', 'notFound', `no risk detections for user(s) ${unknown.join(', ')}: nothing was changed`);
    const now = this.clock.now();
    for (const userId of userIds) await this.risk.execute(userId, command(userId, now.toISOString()), { ...caller, now });
  }
}
