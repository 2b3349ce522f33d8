import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiZodBody, Caller, RequestContext, Roles, ZodPipe, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { idParam, otpCode, userIdParam } from '../user-mfa.schemas';
import { ActivateAuthenticatorAppCommand, ActivatedAuthenticatorApp } from './activate-authenticator-app.handler';
import { activatedAuthenticatorApp } from '../../mfa.responses';

const body = z.strictObject({ code: otpCode });

@ApiTags('mfa')
@Controller('v1/users/:userId/authentication/authenticatorApps/:methodId/activate')
export class ActivateAuthenticatorAppController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(200)
  @Roles('app')
  @ApiZodBody(body, { code: '492039' })
  @ApiOperation({ summary: 'Activate a pending authenticator app with a first valid code (422 when the code is wrong)' })
  @ApiZodResponse(200, activatedAuthenticatorApp, 'The app is active and may answer challenges')
  activate(
    @Param('userId', new ZodPipe(userIdParam, 'path')) userId: string,
    @Param('methodId', new ZodPipe(idParam, 'path')) methodId: string,
    @Body(zodBody(body)) request: z.infer<typeof body>,
    @Caller() caller: RequestContext,
  ): Promise<ActivatedAuthenticatorApp> {
    return this.commands.execute(new ActivateAuthenticatorAppCommand(userId, methodId, request.code, caller));
  }
}
