import { Inject, Injectable } from '@nestjs/common';
import { DomainError, streams } from '@bulwark/contracts';
import { CommandContext, EVENT_STORE, EventStore, handleCommand, loadState } from '@bulwark/event-store';
import { SEALED_BOX, SealedBox } from '@bulwark/platform';
import { createHash } from 'node:crypto';
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
  counter: number | null;
};

/** A token's id: derived from its serial number (case-insensitive), so the same token cannot be imported twice. */
export function tokenIdOf(serialNumber: string): string {
  const hex = createHash('sha256').update(`bulwark/oath-token/${serialNumber.trim().toUpperCase()}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The inventory's store work. Assignment is decided in the token's stream (one user per token), then given to
 * the user's stream; if the user's stream refuses (its OATH limit), the token is handed back.
 */
@Injectable()
export class TokenInventory {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SEALED_BOX) private readonly box: SealedBox,
    private readonly users: UserMfaStreams,
  ) {}

  async import(token: TokenToImport, importId: string, context: CommandContext): Promise<string> {
    const tokenId = tokenIdOf(token.serialNumber);
    const { secret, ...rest } = token;
    await handleCommand(
      this.store,
      streams.oathToken(tokenId),
      oathTokenDecider,
      { type: 'ImportToken', data: { ...rest, tokenId, secret: this.box.seal(secret.toString('hex'), `oath-token/${tokenId}`), importId, now: context.now.toISOString() } },
      context,
    );
    return tokenId;
  }

  async state(tokenId: string): Promise<OathTokenState> {
    return (await loadState(this.store, streams.oathToken(tokenId), oathTokenDecider)).state;
  }

  async assign(tokenId: string, userId: string, context: CommandContext): Promise<void> {
    const user = await this.users.state(userId);
    const oath = Object.values(user.methods).filter((method) => method.kind !== 'phone' && (method.kind === 'hardwareOath' || method.status === 'active'));
    if (!user.methods[tokenId] && oath.length >= MAX_OATH_METHODS) {
      throw new DomainError('METHOD_LIMIT_REACHED', 'conflict', `user ${userId} already has ${MAX_OATH_METHODS} OATH methods (software and hardware)`);
    }
    const { state } = await handleCommand(this.store, streams.oathToken(tokenId), oathTokenDecider, { type: 'AssignToken', data: { tokenId, userId, now: context.now.toISOString() } }, context);
    if (state.status !== 'assigned') throw new Error(`token ${tokenId} was not assigned`);
    if (user.methods[tokenId]) return;
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
      // the user's stream said no (a race past the limit check): the token goes back to the inventory
      await handleCommand(this.store, streams.oathToken(tokenId), oathTokenDecider, { type: 'UnassignToken', data: { tokenId, userId, reason: 'the user could not take it', now: context.now.toISOString() } }, context);
      throw error;
    }
  }
}
