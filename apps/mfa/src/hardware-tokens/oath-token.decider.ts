import { DomainError, OathTokenEvent, OathTokenImported } from '@bulwark/contracts';

/** One hardware token of the inventory: imported once, and given to at most one user at a time. */
export type OathTokenState =
  | { status: 'absent' }
  | { status: 'available'; token: OathTokenImported['data'] }
  | { status: 'assigned'; token: OathTokenImported['data']; userId: string };

export type ImportToken = { type: 'ImportToken'; data: Omit<OathTokenImported['data'], 'at'> & { now: string } };
export type AssignToken = { type: 'AssignToken'; data: { tokenId: string; userId: string; now: string } };
export type UnassignToken = { type: 'UnassignToken'; data: { tokenId: string; userId: string; reason: string; now: string } };
export type OathTokenCommand = ImportToken | AssignToken | UnassignToken;

export const initialState = (): OathTokenState => ({ status: 'absent' });

export function decide(command: OathTokenCommand, state: OathTokenState): OathTokenEvent[] {
  switch (command.type) {
    case 'ImportToken': {
      const { now, ...token } = command.data;
      if (state.status !== 'absent') throw new DomainError('TOKEN_EXISTS', 'conflict', `serial number ${token.serialNumber} is already in the inventory`);
      return [{ type: 'OathTokenImported', data: { ...token, at: now } }];
    }
    case 'AssignToken': {
      const { tokenId, userId, now } = command.data;
      if (state.status === 'absent') throw new DomainError('TOKEN_NOT_FOUND', 'notFound', `no hardware token ${tokenId}`);
      if (state.status === 'assigned') {
        if (state.userId === userId) return [];
        throw new DomainError('TOKEN_ASSIGNED_ELSEWHERE', 'conflict', `token ${state.token.serialNumber} belongs to another user: unassign it first`);
      }
      return [{ type: 'OathTokenAssigned', data: { tokenId, userId, at: now } }];
    }
    case 'UnassignToken': {
      const { tokenId, userId, reason, now } = command.data;
      if (state.status !== 'assigned' || state.userId !== userId) return [];
      return [{ type: 'OathTokenUnassigned', data: { tokenId, userId, reason, at: now } }];
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${(unhandled as { type: string }).type}`);
    }
  }
}

export function evolve(state: OathTokenState, event: OathTokenEvent): OathTokenState {
  switch (event.type) {
    case 'OathTokenImported':
      return { status: 'available', token: event.data };
    case 'OathTokenAssigned':
      return state.status === 'absent' ? state : { status: 'assigned', token: state.token, userId: event.data.userId };
    case 'OathTokenUnassigned':
      return state.status === 'absent' ? state : { status: 'available', token: state.token };
  }
}

export const oathTokenDecider = { decide, evolve, initialState };
