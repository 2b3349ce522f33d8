import { DomainError, UserProtectionEvent } from '@bulwark/contracts';

/** Whether an admin has blocked a user from MFA, and until when (stream `user_protection-<userId>`). */
export type UserProtectionState = { status: 'Unblocked' } | { status: 'Blocked'; until: string; reason: string };

export type BlockUser = { type: 'BlockUser'; data: { userId: string; reason: string; days: number; now: string } };
export type UnblockUser = { type: 'UnblockUser'; data: { userId: string; reason: string; now: string } };
export type UserProtectionCommand = BlockUser | UnblockUser;

export const initialState = (): UserProtectionState => ({ status: 'Unblocked' });

/** A block whose time has passed is over. */
export const blockAt = (state: UserProtectionState, now: string): UserProtectionState =>
  state.status === 'Blocked' && Date.parse(state.until) <= Date.parse(now) ? { status: 'Unblocked' } : state;

export function decide(command: UserProtectionCommand, state: UserProtectionState): UserProtectionEvent[] {
  switch (command.type) {
    case 'BlockUser': {
      const { userId, reason, days, now } = command.data;
      const blockedUntil = new Date(Date.parse(now) + days * 86_400_000).toISOString();
      return [{ type: 'UserBlocked', data: { userId, reason, blockedUntil, at: now } }];
    }
    case 'UnblockUser': {
      const { userId, reason, now } = command.data;
      if (blockAt(state, now).status !== 'Blocked') throw new DomainError('USER_NOT_BLOCKED', 'conflict', `user ${userId} is not blocked`);
      return [{ type: 'UserUnblocked', data: { userId, reason, at: now } }];
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${(unhandled as { type: string }).type}`);
    }
  }
}

export function evolve(_: UserProtectionState, event: UserProtectionEvent): UserProtectionState {
  switch (event.type) {
    case 'UserBlocked':
      return { status: 'Blocked', until: event.data.blockedUntil, reason: event.data.reason };
    case 'UserUnblocked':
      return { status: 'Unblocked' };
  }
}

export const userProtectionDecider = { decide, evolve, initialState };
