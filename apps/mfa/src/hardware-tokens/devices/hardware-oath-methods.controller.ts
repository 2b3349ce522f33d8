import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@bulwark/contracts';
import { ApiZodBody, Caller, CLOCK, Clock, RequestContext, Roles, ZodPipe, zodBody, ApiNoContentResponse, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { matchOathCode, resyncHotp } from '../../user-mfa/oath';
import { idParam, otpCode, userIdParam } from '../../user-mfa/user-mfa.schemas';
import { UserMfaStreams } from '../../user-mfa/user-mfa.streams';
import { resynchronized } from '../../mfa.responses';

const activateBody = z.strictObject({ verificationCode: otpCode, displayName: z.string().max(200).optional() });
const resyncBody = z.strictObject({ code1: otpCode, code2: otpCode });

@ApiTags('hardware tokens')
@Controller('beta/users/:userId/authentication/hardwareOathMethods/:methodId')
export class HardwareOathMethodsController {
  constructor(private readonly streams: UserMfaStreams, @Inject(CLOCK) private readonly clock: Clock) {}

  @Post('activate')
  @HttpCode(204)
  @Roles('app', 'admin')
  @ApiZodBody(activateBody, { verificationCode: '755224', displayName: 'Desk token' })
  @ApiOperation({ summary: 'Activate an assigned hardware token with a code from it (a wrong code marks it failedActivation and answers 422)' })
  @ApiNoContentResponse('The token is active')
  async activate(
    @Param('userId', new ZodPipe(userIdParam, 'path')) userId: string,
    @Param('methodId', new ZodPipe(idParam, 'path')) methodId: string,
    @Body(zodBody(activateBody)) request: z.infer<typeof activateBody>,
    @Caller() caller: RequestContext,
  ): Promise<void> {
    const now = this.clock.now();
    const { events } = await this.streams.execute(
      userId,
      (state) => {
        const method = state.methods[methodId];
        const codeMatched = method?.kind === 'hardwareOath' ? matchOathCode(request.verificationCode, this.streams.oathSecret(userId, method), method, now) : null;
        return { type: 'ActivateHardwareToken', data: { userId, methodId, codeMatched, now: now.toISOString() } };
      },
      { ...caller, now },
    );
    if (events[0]?.type === 'HardwareTokenActivationFailed') {
      throw new DomainError('INVALID_CODE', 'unprocessable', 'the code does not match this token: it is marked failedActivation; try again with a fresh code');
    }
  }

  @Post('resync')
  @HttpCode(200)
  @Roles('app', 'admin')
  @ApiZodBody(resyncBody, { code1: '287082', code2: '359152' })
  @ApiOperation({ summary: 'Resynchronise an HOTP token that ran ahead of its window, with two consecutive codes' })
  @ApiZodResponse(200, resynchronized, 'The token’s counter is caught up')
  async resync(
    @Param('userId', new ZodPipe(userIdParam, 'path')) userId: string,
    @Param('methodId', new ZodPipe(idParam, 'path')) methodId: string,
    @Body(zodBody(resyncBody)) request: z.infer<typeof resyncBody>,
    @Caller() caller: RequestContext,
  ) {
    const now = this.clock.now();
    await this.streams.execute(
      userId,
      (state) => {
        const method = state.methods[methodId];
        const lastCounter =
          method?.kind === 'hardwareOath' && method.oathType === 'hotp' ? resyncHotp(request.code1, request.code2, this.streams.oathSecret(userId, method), method) : null;
        return { type: 'ResyncHardwareToken', data: { userId, methodId, lastCounter, now: now.toISOString() } };
      },
      { ...caller, now },
    );
    return { id: methodId, status: 'resynchronized' };
  }
}
