import { Inject, Injectable } from '@nestjs/common';
import { DomainError, OathImportEvent, streams } from '@bulwark/contracts';
import { CommandContext, EVENT_STORE, EventStore, handleCommand, loadState } from '@bulwark/event-store';
import { SEALED_BOX, SealedBox } from '@bulwark/platform';
import { createHash } from 'node:crypto';
import { storedCounter } from '../user-mfa/hotp-counter';
import { UserMfaStreams } from '../user-mfa/user-mfa.streams';
import { MAX_OATH_METHODS } from '../user-mfa/methods.model';
import { oathTokenDecider, OathTokenState } from './oath-token.decider';

export type TokenToImport = {
  serialNumber: string;
  manufacturer: string | null;
  model: string | null;
  secret: Buffer;
  oathType: 'totp' | 'hotp';
  hashFunction: 'hmacsha1' | 'hmacsha256' | 'hmacsha512';
  digits: 6 | 8;
  period: 30 | 60 | null;
  /** HOTP: 64 bits */
  counter: bigint | null;
};

/** Where an import job stands, from its stream; `legacy`: started before imports were all or nothing. */
export type ImportOutcome = 'running' | 'completed' | 'failed' | 'legacy';

export function importOutcome(events: OathImportEvent[]): ImportOutcome | null {
  const started = events.find((event) => event.type === 'OathImportStarted');
  if (!started || started.type !== 'OathImportStarted') return null;
  if (!started.data.allOrNothing) return 'legacy';
  const end = events.find((event) => event.type !== 'OathImportStarted');
  return !end ? 'running' : end.type === 'OathImportCompleted' ? 'completed' : 'failed';
}

/** A token's id: derived from its serial number (case-insensitive), so the same token cannot be imported twice. */
export function tokenIdOf(serialNumber: string): string {
  const hex = createHash('sha256').update(`bulwark/oath-token/${serialNumber.trim().toUpperCase()}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The inventory's store work. Assignment is decided in the token's stream (one user per token), then given to
 * the user's stream; if the user's stream refuses (its OATH limit), the token is handed back. A token staged by an
 * import job that has not completed does not exist here.
 */
@Injectable()
export class TokenInventory {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SEALED_BOX) private readonly box: SealedBox,
    private readonly users: UserMfaStreams,
  ) {}

  /** Stages a token (and its assignment, if any) in its stream; it exists once the job completes. */
  async stage(token: TokenToImport, importId: string, assignTo: string | null, context: CommandContext): Promise<string> {
    const tokenId = tokenIdOf(token.serialNumber);
    const { secret, counter, ...rest } = token;
    const prior = await this.state(tokenId);
    const priorImportFailed = prior.status !== 'absent' && (await this.importOutcome(prior.token.importId)) === 'failed';
    await handleCommand(
      this.store,
      streams.oathToken(tokenId),
      oathTokenDecider,
      {
        type: 'ImportToken',
        data: {
          ...rest,
          tokenId,
          // exactly: a number while safe, else its decimal string
          counter: counter === null ? null : storedCounter(counter),
          secret: this.box.seal(secret.toString('hex'), `oath-token/${tokenId}`),
          importId,
          assignTo,
          priorImportFailed,
          now: context.now.toISOString(),
        },
      },
      context,
    );
    return tokenId;
  }

  async importOutcome(importId: string): Promise<ImportOutcome | null> {
    return importOutcome((await this.store.readStream(streams.oathImport(importId))) as unknown as OathImportEvent[]);
  }

  /** How many more OATH methods the user may take (software and hardware). */
  async oathRoom(userId: string): Promise<number> {
    const user = await this.users.state(userId);
    const oath = Object.values(user.methods).filter((method) => method.kind !== 'phone' && (method.kind === 'hardwareOath' || method.status === 'active'));
    return MAX_OATH_METHODS - oath.length;
  }

  async state(tokenId: string): Promise<OathTokenState> {
    return (await loadState(this.store, streams.oathToken(tokenId), oathTokenDecider)).state;
  }

  async assign(tokenId: string, userId: string, context: CommandContext): Promise<void> {
    const prior = await this.state(tokenId);
    const outcome = prior.status === 'absent' ? null : await this.importOutcome(prior.token.importId);
    const importCompleted = outcome === 'completed' || outcome === 'legacy';
    if (!importCompleted) throw new DomainError('TOKEN_NOT_FOUND', 'notFound', `no hardware token ${tokenId}`);
    const user = await this.users.state(userId);
    if (!user.methods[tokenId] && (await this.oathRoom(userId)) <= 0) {
      throw new DomainError('METHOD_LIMIT_REACHED', 'conflict', `user ${userId} already has ${MAX_OATH_METHODS} OATH methods (software and hardware)`);
    }
    await handleCommand(this.store, streams.oathToken(tokenId), oathTokenDecider, { type: 'AssignToken', data: { tokenId, userId, importCompleted, now: context.now.toISOString() } }, context);
    await this.deliver(tokenId, userId, context);
  }

  /**
   * Gives an assigned token to its user's stream, once: the user's half of an assignment. Safe to repeat, so a
   * restart can finish an assignment that a crash cut in two.
   */
  async deliver(tokenId: string, userId: string, context: CommandContext): Promise<void> {
    const state = await this.state(tokenId);
    if (state.status !== 'assigned' || state.userId !== userId) throw new Error(`token ${tokenId} is not assigned to ${userId}`);
    if ((await this.users.state(userId)).methods[tokenId]) return;
    const { token } = state;
    try {
      await this.users.execute(
        userId,
        {
          type: 'AssignHardwareToken',
          data: {
            userId,
            methodId: tokenId,
            serialNumber: token.serialNumber,
            manufacturer: token.manufacturer,
            model: token.model,
            secret: this.users.sealSecret(userId, tokenId, this.box.open(token.secret, `oath-token/${tokenId}`)),
            oathType: token.oathType,
            hashFunction: token.hashFunction,
            digits: token.digits,
            period: token.period,
            counter: token.counter,
            now: context.now.toISOString(),
          },
        },
        context,
      );
    } catch (error) {
      // a second delivery of the same assignment (a restart's, next to a request's) found it done
      if ((await this.users.state(userId)).methods[tokenId]) return;
      // the user's stream said no (a race past the limit check): the token goes back to the inventory
      await handleCommand(this.store, streams.oathToken(tokenId), oathTokenDecider, { type: 'UnassignToken', data: { tokenId, userId, reason: 'the user could not take it', now: context.now.toISOString() } }, context);
      throw error;
    }
  }
}
