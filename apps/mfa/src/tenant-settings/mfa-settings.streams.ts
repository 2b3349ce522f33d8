import { Inject, Injectable } from '@nestjs/common';
import { DomainEvent, streams } from '@bulwark/contracts';
import { Decider, EVENT_STORE, EventStore, handleCommand, HandledCommand, loadState } from '@bulwark/event-store';
import { CLOCK, Clock, RequestContext } from '@bulwark/platform';
import { AppPasswordPolicy, appPasswordPolicyDecider } from '../app-password-policy/app-password-policy.decider';
import { PhoneCallSettings, phoneCallSettingsDecider } from '../phone-call-settings/phone-call-settings.decider';
import { RegistrationPolicy, registrationPolicyDecider } from '../registration-policy/registration-policy.decider';
import { SignInLogFields, signInLogFieldsDecider } from '../sign-in-log-fields/sign-in-log-fields.decider';

/**
 * The settings streams beside `/v1/settings/mfa` and the lockout policy, each read as committed (never from a
 * projection), and changed through the one command handler with the caller's correlation and the clock's time.
 */
@Injectable()
export class MfaSettingsStreams {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, @Inject(CLOCK) private readonly clock: Clock) {}

  async phoneCall(): Promise<PhoneCallSettings> {
    return (await loadState(this.store, streams.phoneCallSettings, phoneCallSettingsDecider)).state;
  }

  async registration(): Promise<RegistrationPolicy> {
    return (await loadState(this.store, streams.registrationPolicy, registrationPolicyDecider)).state;
  }

  async appPasswords(): Promise<AppPasswordPolicy> {
    return (await loadState(this.store, streams.appPasswordPolicy, appPasswordPolicyDecider)).state;
  }

  async signInLogFields(): Promise<SignInLogFields> {
    return (await loadState(this.store, streams.signInLogFields, signInLogFieldsDecider)).state;
  }

  /** Runs a command stamped with the clock's time as `data.now`. */
  async execute<Command extends { type: string; data: { now: string } }, Event extends DomainEvent, State>(
    streamId: string,
    decider: Decider<Command, Event, State>,
    command: { type: Command['type']; data: Omit<Command['data'], 'now'> },
    caller: RequestContext,
  ): Promise<HandledCommand<Event, State>> {
    const now = this.clock.now();
    return handleCommand(this.store, streamId, decider, { ...command, data: { ...command.data, now: now.toISOString() } } as Command, { ...caller, now });
  }
}
