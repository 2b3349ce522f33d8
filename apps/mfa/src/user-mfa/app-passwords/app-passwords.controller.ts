import { Body, Controller, Delete, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DenialReason } from '@bulwark/contracts';
import { ApiZodBody, Caller, CLOCK, Clock, RequestContext, Roles, ZodPipe, zodBody, clientIpField, ApiNoContentResponse, ApiZodResponse } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { userIdParam } from '../user-mfa.schemas';
import { UserMfaStreams } from '../user-mfa.streams';
import { UserBlocks } from '../user-blocks';
import { MfaSettingsStreams } from '../../tenant-settings/mfa-settings.streams';
import { appPasswordMatches, hashAppPassword, newAppPassword } from './app-password-hash';
import { createdAppPassword, verificationResult } from '../../mfa.responses';

const createBody = z.strictObject({ displayName: z.string().min(1).max(200).optional() }).optional();
const verifyBody = z.strictObject({
  password: z.string().min(1).max(200),
  clientIp: clientIpField,
  userAgent: z.string().max(1024).optional(),
  appId: z.string().min(1).max(200).optional(),
});

@ApiTags('app passwords')
@Controller('v1/users/:userId/authentication/appPasswords')
export class AppPasswordsController {
  constructor(
    private readonly streams: UserMfaStreams,
    private readonly blocks: UserBlocks,
    private readonly settings: MfaSettingsStreams,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('app', 'admin')
  @ApiZodBody(createBody, { displayName: 'Outlook 2010' })
  @ApiOperation({
    summary: 'Create an app password for a legacy client: shown once in this answer, kept only as a scrypt hash; refused (409) while the tenant does not allow app passwords',
  })
  @ApiZodResponse(201, createdAppPassword, 'The app password, shown this once')
  async create(
    @Param('userId', new ZodPipe(userIdParam, 'path')) userId: string,
    @Body(zodBody(createBody)) request: z.infer<typeof createBody>,
    @Caller() caller: RequestContext,
  ) {
    const now = this.clock.now();
    const { allowUsersToCreateAppPasswords } = await this.settings.appPasswords();
    const password = newAppPassword();
    const appPasswordId = randomUUID();
    const hash = await hashAppPassword(password);
    await this.streams.execute(
      userId,
      { type: 'CreateAppPassword', data: { userId, appPasswordId, displayName: request?.displayName ?? null, hash, allowedByPolicy: allowUsersToCreateAppPasswords, now: now.toISOString() } },
      { ...caller, now },
    );
    return { id: appPasswordId, displayName: request?.displayName ?? null, password, createdDateTime: now.toISOString() };
  }

  @Delete()
  @HttpCode(204)
  @Roles('app', 'admin')
  @ApiOperation({ summary: "Delete all of a user's app passwords at once (the lost-phone case)" })
  @ApiNoContentResponse('Every app password of the user is deleted')
  async deleteAll(@Param('userId', new ZodPipe(userIdParam, 'path')) userId: string, @Caller() caller: RequestContext): Promise<void> {
    const now = this.clock.now();
    await this.streams.execute(userId, { type: 'DeleteAppPasswords', data: { userId, reason: `deleted by ${caller.actor.type}`, now: now.toISOString() } }, { ...caller, now });
  }

  @Post('verify')
  @HttpCode(200)
  @Roles('app')
  @ApiZodBody(verifyBody, { password: 'hmpiopcmujenwgvu', clientIp: '203.0.113.7', appId: 'outlook-2010' })
  @ApiOperation({ summary: 'A legacy client signs in with an app password: approved with a session, or denied (counts towards lockout)' })
  @ApiZodResponse(200, verificationResult, 'approved with a session, or denied with the reason')
  async verify(
    @Param('userId', new ZodPipe(userIdParam, 'path')) userId: string,
    @Body(zodBody(verifyBody)) request: z.infer<typeof verifyBody>,
    @Caller() caller: RequestContext,
  ): Promise<{ status: 'approved'; sessionId: string; retryAllowed: false } | { status: 'denied'; reason: DenialReason; retryAllowed: false }> {
    const now = this.clock.now();
    const policy = await this.streams.lockoutPolicy();
    // scrypt is slow on purpose: match outside the stream's turn, then let the decider judge on the state as committed
    const { appPasswords } = await this.streams.state(userId);
    let matched: string | null = null;
    for (const candidate of Object.values(appPasswords)) {
      if (await appPasswordMatches(request.password, candidate.hash)) matched = candidate.appPasswordId;
    }
    const sessionId = randomUUID();
    const { events } = await this.streams.signIn(
      userId,
      {
        type: 'VerifyAppPassword',
        data: {
          userId,
          attemptId: randomUUID(),
          matchedAppPasswordId: matched,
          clientIp: request.clientIp,
          userAgent: request.userAgent ?? null,
          appId: request.appId ?? null,
          sessionId,
          policy,
          blockedUntil: await this.blocks.blockedUntil(userId),
          now: now.toISOString(),
        },
      },
      { ...caller, now },
    );
    const outcome = events[0];
    // an app password answers no challenge: each attempt is a sign-in of its own
    if (outcome?.type === 'MfaApproved') return { status: 'approved', sessionId, retryAllowed: false };
    if (outcome?.type === 'MfaDenied') return { status: 'denied', reason: outcome.data.reason, retryAllowed: false };
    throw new Error('app password verification decided nothing');
  }
}
