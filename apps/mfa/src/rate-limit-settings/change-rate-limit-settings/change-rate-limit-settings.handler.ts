import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { streams } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, handleCommand } from '@bulwark/event-store';
import { CLOCK, Clock, RequestContext } from '@bulwark/platform';
import { RateLimits, RateLimitSettings, rateLimitSettingsDecider } from '../rate-limit-settings.decider';

export class ChangeRateLimitSettingsCommand extends Command<RateLimits> {
  constructor(readonly settings: RateLimitSettings, readonly caller: RequestContext) {
    super();
  }
}

@CommandHandler(ChangeRateLimitSettingsCommand)
export class ChangeRateLimitSettingsHandler implements ICommandHandler<ChangeRateLimitSettingsCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, @Inject(CLOCK) private readonly clock: Clock) {}

  async execute({ settings, caller }: ChangeRateLimitSettingsCommand): Promise<RateLimits> {
    const now = this.clock.now();
    const { state } = await handleCommand(
      this.store,
      streams.rateLimitSettings,
      rateLimitSettingsDecider,
      { type: 'ChangeRateLimitSettings', data: { ...settings, now: now.toISOString() } },
      { ...caller, now },
    );
    return state;
  }
}
