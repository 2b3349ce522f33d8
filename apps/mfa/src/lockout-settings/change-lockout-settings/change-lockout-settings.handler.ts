import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { streams } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, handleCommand } from '@bulwark/event-store';
import { CLOCK, Clock, RequestContext } from '@bulwark/platform';
import { LockoutPolicy, lockoutSettingsDecider } from '../lockout-settings.decider';

export type LockoutSettings = Omit<LockoutPolicy, 'version'>;

export class ChangeLockoutSettingsCommand extends Command<LockoutPolicy> {
  constructor(readonly settings: LockoutSettings, readonly caller: RequestContext) {
    super();
  }
}

@CommandHandler(ChangeLockoutSettingsCommand)
export class ChangeLockoutSettingsHandler implements ICommandHandler<ChangeLockoutSettingsCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, @Inject(CLOCK) private readonly clock: Clock) {}

  async execute({ settings, caller }: ChangeLockoutSettingsCommand): Promise<LockoutPolicy> {
    const now = this.clock.now();
    const { state } = await handleCommand(
      this.store,
      streams.lockoutSettings,
      lockoutSettingsDecider,
      { type: 'ChangeLockoutSettings', data: { ...settings, now: now.toISOString() } },
      { ...caller, now },
    );
    return state;
  }
}
