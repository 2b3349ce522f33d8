import { Body, Controller, Get, HttpCode, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiZodBody, Caller, RequestContext, Roles, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { UserMfaStreams } from '../../user-mfa/user-mfa.streams';
import { MAX_RATE_LIMIT, MAX_WINDOW_MINUTES, RateLimits } from '../rate-limit-settings.decider';
import { ChangeRateLimitSettingsCommand } from './change-rate-limit-settings.handler';
import { rateLimits } from '../../mfa.responses';

const count = (what: string) => z.number().int().min(1, `${what} must be at least 1`).max(MAX_RATE_LIMIT, `${what} must be at most ${MAX_RATE_LIMIT}`);

const body = z.strictObject({
  challengesPerMinute: count('challengesPerMinute'),
  pushesPerWindow: count('pushesPerWindow'),
  smsPerWindow: count('smsPerWindow'),
  callsPerWindow: count('callsPerWindow'),
  windowMinutes: z.number().int().min(1, 'windowMinutes must be at least 1').max(MAX_WINDOW_MINUTES, `windowMinutes must be at most ${MAX_WINDOW_MINUTES}`),
  attemptsPerChallenge: count('attemptsPerChallenge'),
});

@ApiTags('settings')
@Controller('v1/settings/rateLimits')
export class ChangeRateLimitSettingsController {
  constructor(private readonly commands: CommandBus, private readonly streams: UserMfaStreams) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: "The per-user rate limits of sign-ins in force, with their version" })
  @ApiZodResponse(200, rateLimits, 'The rate limits in force')
  get(): Promise<RateLimits> {
    return this.streams.rateLimits();
  }

  @Put()
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(body, { challengesPerMinute: 10, pushesPerWindow: 5, smsPerWindow: 5, callsPerWindow: 3, windowMinutes: 10, attemptsPerChallenge: 5 })
  @ApiOperation({
    summary:
      "Set the per-user rate limits: challenges a minute (any channel); push notifications, texts and calls per window of windowMinutes; wrong answers a challenge takes before it ends",
  })
  @ApiZodResponse(200, rateLimits, 'The new rate limits and their version')
  change(@Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext): Promise<RateLimits> {
    return this.commands.execute(new ChangeRateLimitSettingsCommand(request, caller));
  }
}
