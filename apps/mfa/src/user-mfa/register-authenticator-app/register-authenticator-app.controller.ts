import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiZodBody, Caller, RequestContext, Roles, ZodPipe, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { userIdParam } from '../user-mfa.schemas';
import { RegisterAuthenticatorAppCommand, RegisteredAuthenticatorApp } from './register-authenticator-app.handler';
import { registeredAuthenticatorApp } from '../../mfa.responses';

const body = z
  .strictObject({
    displayName: z.string().min(1).max(200).optional(),
    algorithm: z.enum(['SHA1', 'SHA256', 'SHA512']).default('SHA1'),
    digits: z.union([z.literal(6), z.literal(8)]).default(6),
    period: z.union([z.literal(30), z.literal(60)]).default(30),
    /** the app also answers push notifications (with number matching) */
    pushEnabled: z.boolean().default(false),
  })
  .optional()
  .transform((value) => value ?? { algorithm: 'SHA1' as const, digits: 6 as const, period: 30 as const, pushEnabled: false });

@ApiTags('mfa')
@Controller('v1/users/:userId/authentication/authenticatorApps')
export class RegisterAuthenticatorAppController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Roles('app')
  @ApiZodBody(body, { displayName: 'Alice’s phone', pushEnabled: true })
  @ApiOperation({ summary: 'Start registering an authenticator app: returns its secret and otpauth URI once; pending until activated' })
  @ApiZodResponse(201, registeredAuthenticatorApp, 'Pending until activated: the secret, its otpauth URI and QR code, shown this once')
  register(
    @Param('userId', new ZodPipe(userIdParam, 'path')) userId: string,
    @Body(zodBody(body)) request: z.infer<typeof body>,
    @Caller() caller: RequestContext,
  ): Promise<RegisteredAuthenticatorApp> {
    return this.commands.execute(new RegisterAuthenticatorAppCommand(userId, request, caller));
  }
}
