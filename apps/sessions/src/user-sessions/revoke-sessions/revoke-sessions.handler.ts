import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { streams } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, handleCommand } from '@bulwark/event-store';
import { CLOCK, Clock, RequestContext } from '@bulwark/platform';
import { SessionsService } from '../sessions.service';
import { userSessionsDecider } from '../user-sessions.decider';

export class RevokeSessionsCommand extends Command<void> {
  constructor(readonly userId: string, readonly reason: string | null, readonly caller: RequestContext) {
    super();
  }
}

@CommandHandler(RevokeSessionsCommand)
export class RevokeSessionsHandler implements ICommandHandler<RevokeSessionsCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly sessions: SessionsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ userId, reason, caller }: RevokeSessionsCommand): Promise<void> {
    await this.sessions.assertKnownUser(userId);
    const now = this.clock.now();
    await handleCommand(this.store, streams.userSessions(userId), userSessionsDecider, { type: 'RevokeSessions', data: { userId, reason, now: now.toISOString() } }, { ...caller, now });
  }
}
