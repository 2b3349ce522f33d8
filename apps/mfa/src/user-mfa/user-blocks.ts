import { Inject, Injectable } from '@nestjs/common';
import { streams, UserProtectionEvent } from '@bulwark/contracts';
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
export class UserBlocks {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async blockedUntil(userId: string): Promise<string | null> {
    return (await loadState(this.store, streams.userProtection(userId), blockFold)).state.blockedUntil;
  }
}
