import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiZodBody, Caller, RequestContext, Roles, ZodPipe, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { userIdParam } from '../user-mfa.schemas';
import { RegisterPhoneCommand } from './register-phone.handler';
import { registeredPhone } from '../../mfa.responses';

/** Graph writes numbers as "+1 2065555555"; we keep E.164 without the spaces. */
const phoneNumber = z
  .string()
  .transform((value) => value.replace(/[\s()-]/g, ''))
  .pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, 'phoneNumber must be an international number: + country code and number, e.g. "+1 2065555555"'));

const body = z.strictObject({ phoneNumber, phoneType: z.enum(['mobile', 'alternateMobile', 'office']) });

@ApiTags('methods')
@Controller('v1.0/users/:userId/authentication/phoneMethods')
export class RegisterPhoneController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Roles('app', 'admin')
  @ApiZodBody(body, { phoneNumber: '+1 4255550100', phoneType: 'mobile' })
  @ApiOperation({ summary: "Add a phone for SMS codes and calls, in Graph's phoneAuthenticationMethod shape (one per phoneType)" })
  @ApiZodResponse(201, registeredPhone, 'The phone in Graph’s phoneAuthenticationMethod shape')
  register(
    @Param('userId', new ZodPipe(userIdParam, 'path')) userId: string,
    @Body(zodBody(body)) request: z.infer<typeof body>,
    @Caller() caller: RequestContext,
  ) {
    return this.commands.execute(new RegisterPhoneCommand(userId, request.phoneNumber, request.phoneType, caller));
  }
}
