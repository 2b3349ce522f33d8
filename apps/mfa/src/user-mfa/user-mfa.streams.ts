import { Inject, Injectable } from '@nestjs/common';
import { SealedSecret, streams, UserMfaEvent } from '@bulwark/contracts';
import { CommandContext, EVENT_STORE, EventStore, handleCommand, HandledCommand, loadState } from '@bulwark/event-store';
import { SEALED_BOX, SealedBox } from '@bulwark/platform';
import { LockoutPolicy, lockoutSettingsDecider } from '../lockout-settings/lockout-settings.decider';
import { RateLimits, rateLimitSettingsDecider } from '../rate-limit-settings/rate-limit-settings.decider';
import { MethodsCommand, methodsDecider } from './methods.decider';
import { HardwareOathMethod, MethodsState, OathMethod } from './methods.model';
import { SignInCommand, signInDecider } from './sign-in.decider';
import { SignInModel } from './sign-in.model';

/**
 * The store work of the mfa service: users' MFA streams and the lockout policy they are judged by. A user's stream
 * has two narrow write models, each reading only its event types: the methods, and the sign-in (which folds the
 * methods too). Both append under the stream's last revision, so neither decides on a stale view of the other.
 */
@Injectable()
export class UserMfaStreams {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, @Inject(SEALED_BOX) private readonly box: SealedBox) {}

  /** A command on the user's methods (registration, app passwords, per-user MFA state). */
  execute(userId: string, command: MethodsCommand | ((state: MethodsState) => MethodsCommand), context: CommandContext): Promise<HandledCommand<UserMfaEvent, MethodsState>> {
    return handleCommand(this.store, streams.userMfa(userId), methodsDecider, command, context);
  }

  /** A command of a sign-in (issue, answer, expire, report, lockout, remembered devices). */
  signIn(userId: string, command: SignInCommand | ((state: SignInModel) => SignInCommand), context: CommandContext): Promise<HandledCommand<UserMfaEvent, SignInModel>> {
    return handleCommand(this.store, streams.userMfa(userId), signInDecider, command, context);
  }

  /** The user's methods as committed (no projection lag), for reads that must be exact. */
  async state(userId: string): Promise<MethodsState> {
    return (await loadState(this.store, streams.userMfa(userId), methodsDecider)).state;
  }

  /** The user's sign-in model as committed: open challenges, the lock, remembered devices, and the methods. */
  async signInState(userId: string): Promise<SignInModel> {
    return (await loadState(this.store, streams.userMfa(userId), signInDecider)).state;
  }

  /** Read from its own stream, never from a projection: a lockout decision uses the policy as committed. */
  async lockoutPolicy(): Promise<LockoutPolicy> {
    return (await loadState(this.store, streams.lockoutSettings, lockoutSettingsDecider)).state;
  }

  /** Read from its own stream too: a throttling decision uses the limits as committed. */
  async rateLimits(): Promise<RateLimits> {
    return (await loadState(this.store, streams.rateLimitSettings, rateLimitSettingsDecider)).state;
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
