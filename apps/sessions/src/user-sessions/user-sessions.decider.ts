import { UserSessionsEvent } from '@bulwark/contracts';

/** A user's sessions stream (`user_sessions-<userId>`): when their sessions were last revoked. */
export type UserSessionsState = { lastRevokedAt: string | null };

export type RevokeSessions = { type: 'RevokeSessions'; data: { userId: string; reason: string | null; now: string } };

export const initialState = (): UserSessionsState => ({ lastRevokedAt: null });

export function decide(command: RevokeSessions, _state: UserSessionsState): UserSessionsEvent[] {
  // revoking again is never refused: every revocation invalidates whatever was created before it
  const { userId, reason, now } = command.data;
  return [{ type: 'SessionsRevoked', data: { userId, reason, at: now } }];
}

export function evolve(state: UserSessionsState, event: UserSessionsEvent): UserSessionsState {
  switch (event.type) {
    case 'SessionsRevoked':
      return { ...state, lastRevokedAt: event.data.at };
  }
}

export const userSessionsDecider = { decide, evolve, initialState };
