import { DomainError, OathTokenEvent, OathTokenImported } from '@bulwark/contracts';

/**
 * One hardware token of the inventory: imported once, and given to at most one user at a time. A token is staged
 * by its import job and exists only once that job completed; whether it did is a fact of the job's stream, which
 * the adapter reads and passes in (`importCompleted`, `priorImportFailed`).
 */
export type OathTokenState =
  | { status: 'absent' }
  | { status: 'available'; token: OathTokenImported['data'] }
  | { status: 'assigned'; token: OathTokenImported['data']; userId: string };

export type ImportToken = {
  type: 'ImportToken';
  /** priorImportFailed: the token stream already holds a token whose job failed, which never existed */
  data: Omit<OathTokenImported['data'], 'at'> & { assignTo: string | null; priorImportFailed: boolean; now: string };
};
/** importCompleted: the job that imported the token has completed (or predates all-or-nothing imports) */
export type AssignToken = { type: 'AssignToken'; data: { tokenId: string; userId: string; importCompleted: boolean; now: string } };
export type UnassignToken = { type: 'UnassignToken'; data: { tokenId: string; userId: string; reason: string; now: string } };
export type OathTokenCommand = ImportToken | AssignToken | UnassignToken;

export const initialState = (): OathTokenState => ({ status: 'absent' });

export function decide(command: OathTokenCommand, state: OathTokenState): OathTokenEvent[] {
  switch (command.type) {
    case 'ImportToken': {
      const { now, assignTo, priorImportFailed, ...token } = command.data;
      if (state.status !== 'absent' && !priorImportFailed) {
        throw new DomainError('TOKEN_EXISTS', 'conflict', `serial number ${token.serialNumber} is already in the inventory`);
      }
      // staged together: the assignment becomes true when the job completes, with the token
      const imported: OathTokenEvent = { type: 'OathTokenImported', data: { ...token, at: now } };
      return assignTo ? [imported, { type: 'OathTokenAssigned', data: { tokenId: token.tokenId, userId: assignTo, at: now } }] : [imported];
    }
    case 'AssignToken': {
      const { tokenId, userId, importCompleted, now } = command.data;
      if (state.status === 'absent' || !importCompleted) throw new DomainError('TOKEN_NOT_FOUND', 'notFound', `no hardware token ${tokenId}`);
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
      // a later import replaces a token whose job failed
      return { status: 'available', token: event.data };
    case 'OathTokenAssigned':
      return state.status === 'absent' ? state : { status: 'assigned', token: state.token, userId: event.data.userId };
    case 'OathTokenUnassigned':
      return state.status === 'absent' ? state : { status: 'available', token: state.token };
  }
}

export const oathTokenDecider = { decide, evolve, initialState };
