import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put, Req } from '@nestjs/common';
import { ApiOperation, ApiTags, ApiParam } from '@nestjs/swagger';
import { DomainError } from '@bulwark/contracts';
import { ApiZodBody, AuthenticatedRequest, Caller, CLOCK, Clock, RequestContext, Roles, ZodPipe, zodBody, ApiNoContentResponse, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { idParam, userIdParam } from '../user-mfa.schemas';
import { UserMfaStreams } from '../user-mfa.streams';
import { Method } from '../methods.model';
import { toGraphMethod } from './graph-methods';
import { authenticationMethods, defaultMethod } from '../../mfa.responses';

const GRAPH = 'https://graph.microsoft.com/v1.0/$metadata';
const collections = { methods: null, phoneMethods: 'phone', softwareOathMethods: 'softwareOath' } as const;

@ApiTags('methods')
@Controller('v1.0/users/:userId/authentication')
export class MethodsController {
  constructor(private readonly streams: UserMfaStreams, @Inject(CLOCK) private readonly clock: Clock) {}

  @Get(':collection')
  @Roles('admin', 'analyst')
  @ApiOperation({ summary: "A user's activated methods in Graph's shapes: methods, phoneMethods or softwareOathMethods" })
  @ApiParam({ name: 'collection', enum: ['methods', 'phoneMethods', 'softwareOathMethods'], description: 'methods: all of them' })
  @ApiZodResponse(200, authenticationMethods, 'The active methods, phones masked for analysts')
  async list(
    @Param('userId', new ZodPipe(userIdParam, 'path')) userId: string,
    @Param('collection', new ZodPipe(z.enum(['methods', 'phoneMethods', 'softwareOathMethods']), 'path')) collection: keyof typeof collections,
    @Req() request: AuthenticatedRequest,
  ) {
    const methods = await this.activeMethods(userId);
    const kind = collections[collection];
    return {
      '@odata.context': `${GRAPH}#users('${encodeURIComponent(userId)}')/authentication/${collection}`,
      value: methods.filter((method) => kind === null || method.kind === kind).map((method) => toGraphMethod(method, { maskPhone: request.role !== 'admin' })),
    };
  }

  @Delete(':collection/:methodId')
  @HttpCode(204)
  @Roles('admin', 'app')
  @ApiOperation({ summary: 'Remove a method (the user must pick another default if it was the default)' })
  @ApiParam({ name: 'collection', enum: ['methods', 'phoneMethods', 'softwareOathMethods'], description: 'methods: all of them' })
  @ApiNoContentResponse('Removed')
  async remove(
    @Param('userId', new ZodPipe(userIdParam, 'path')) userId: string,
    @Param('collection', new ZodPipe(z.enum(['methods', 'phoneMethods', 'softwareOathMethods']), 'path')) collection: keyof typeof collections,
    @Param('methodId', new ZodPipe(idParam, 'path')) methodId: string,
    @Caller() caller: RequestContext,
  ): Promise<void> {
    const now = this.clock.now();
    await this.streams.execute(
      userId,
      (state) => {
        const method = state.methods[methodId];
        const kind = collections[collection];
        if (method && kind !== null && method.kind !== kind) throw new DomainError('METHOD_NOT_FOUND', 'notFound', `no ${collection} entry ${methodId}`);
        return { type: 'RemoveMethod', data: { userId, methodId, reason: `removed by ${caller.actor.type}`, now: now.toISOString() } };
      },
      { ...caller, now },
    );
  }

  @Put('defaultMethod')
  @HttpCode(200)
  @Roles('admin', 'app')
  @ApiZodBody(z.strictObject({ methodId: idParam }), { methodId: '07b67e8d-fc1b-4ee7-88af-5a693722474a' })
  @ApiOperation({ summary: 'Choose the method a sign-in uses when none is asked for' })
  @ApiZodResponse(200, defaultMethod, 'The new default method')
  async setDefault(
    @Param('userId', new ZodPipe(userIdParam, 'path')) userId: string,
    @Body(zodBody(z.strictObject({ methodId: idParam }))) request: { methodId: string },
    @Caller() caller: RequestContext,
  ) {
    const now = this.clock.now();
    await this.streams.execute(userId, { type: 'SetDefaultMethod', data: { userId, methodId: request.methodId, now: now.toISOString() } }, { ...caller, now });
    return { methodId: request.methodId };
  }

  private async activeMethods(userId: string): Promise<Method[]> {
    const state = await this.streams.state(userId);
    if (!state.exists) throw new DomainError('USER_NOT_FOUND', 'notFound', `user ${userId} has no MFA registration`);
    return Object.values(state.methods).filter((method) => method.status === 'active');
  }
}
