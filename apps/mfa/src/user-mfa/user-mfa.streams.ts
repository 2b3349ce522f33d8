import { Inject, Injectable } from '@nestjs/common';
import { SealedSecret, streams, UserMfaEvent } from '@bulwark/contracts';
import { CommandContext, EVENT_STORE, EventStore, handleCommand, HandledCommand, loadState } from '@bulwark/event-store';
import { SEALED_BOX, SealedBox } from '@bulwark/platform';
import { LockoutPolicy, lockoutSettingsDecider } from '../lockout-settings/lockout-settings.decider';
import { HardwareOathMethod, OathMethod, UserMfaCommand, userMfaDecider, UserMfaState } from './user-mfa.decider';

/** The store work of the mfa service: users' MFA streams and the lockout policy they are judged by. */
@Injectable()
export class UserMfaStreams {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, @Inject(SEALED_BOX) private readonly box: SealedBox) {}

  execute(userId: string, command: UserMfaCommand | ((state: UserMfaState) => UserMfaCommand), context: CommandContext): Promise<HandledCommand<UserMfaEvent, UserMfaState>> {
    return handleCommand(this.store, streams.userMfa(userId), userMfaDecider, command, context);
  }

  /** The user's MFA state as committed (no projection lag), for reads that must be exact. */
  async state(userId: string): Promise<UserMfaState> {
    return (await loadState(this.store, streams.userMfa(userId), userMfaDecider)).state;
  }

  /** Read from its own stream, never from a projection: a lockout decision uses the policy as committed. */
  async lockoutPolicy(): Promise<LockoutPolicy> {
    return (await loadState(this.store, streams.lockoutSettings, lockoutSettingsDecider)).state;
  }

  sealSecret(userId: string, methodId: string, secret: string): SealedSecret {
    return this.box.seal(secret, `${userId}/${methodId}`);
  }

  openSecret(userId: string, methodId: string, sealed: SealedSecret): string {
    return this.box.open(sealed, `${userId}/${methodId}`);
  }

  /** An OATH method's key as otplib takes it: an app's base32 secret, or a hardware token's raw bytes. */
  oathSecret(userId: string, method: OathMethod | HardwareOathMethod): string | Buffer {
    const opened = this.openSecret(userId, method.methodId, method.secret);
    return method.kind === 'hardwareOath' ? Buffer.from(opened, 'hex') : opened;
  }
}
