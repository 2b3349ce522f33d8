import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ConsumerHost, Reaction } from '@bulwark/platform';
import { UserMfaStreams } from './user-mfa.streams';
import { RecordedEvent, streams, UserBlocked, UserProtectionEvent } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, loadState } from '@bulwark/event-store';

/**
 * An admin's block on a user, read from the user's protection stream as committed (identity-protection writes it;
 * this is the mfa service's own fold of the shared contract, not a projection that could lag).
 */
const blockFold = {
  initialState: (): { blockedUntil: string | null } => ({ blockedUntil: null }),
  evolve: (_: { blockedUntil: string | null }, event: UserProtectionEvent) => ({ blockedUntil: event.type === 'UserBlocked' ? event.data.blockedUntil : null }),
};

@Injectable()
export class UserBlocks implements OnModuleInit {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, private readonly consumers: ConsumerHost, private readonly streams: UserMfaStreams) {}

  /** Blocking a user also forgets their remembered devices: after the block, every sign-in proves a factor again. */
  onModuleInit(): void {
    this.consumers.register(
      new Reaction('forget-devices-of-blocked-users', ['UserBlocked'], this.store, async (event) => {
        const { userId, reason } = (event as unknown as RecordedEvent<UserBlocked>).data;
        const now = new Date(event.metadata.occurredAt);
        await this.streams.signIn(
          userId,
          { type: 'ForgetRememberedDevices', data: { userId, reason: `user blocked: ${reason}`, now: now.toISOString() } },
          { correlationId: event.metadata.correlationId, causationId: event.eventId, actor: { type: 'system', id: 'mfa' }, now },
        );
      }),
    );
  }

  async blockedUntil(userId: string): Promise<string | null> {
    return (await loadState(this.store, streams.userProtection(userId), blockFold)).state.blockedUntil;
  }
}
