import { DomainError, PhoneCallSettingsEvent, US_CALLER_ID, VoiceMessageType } from '@bulwark/contracts';

/**
 * The tenant's phone call settings (stream `mfa_settings-phone_call`): the caller ID a voice call shows, and the
 * custom voice messages that replace the provider's spoken prompts. The audio itself is in the data directory,
 * addressed by its SHA-256; the adapter has measured it before a command reaches this decider.
 */

export type VoiceGreeting = {
  greetingId: string;
  messageType: VoiceMessageType;
  language: string;
  contentType: 'audio/wav' | 'audio/mpeg';
  sha256: string;
  sizeBytes: number;
  durationMs: number;
  fileName: string | null;
  createdAt: string;
};

export type PhoneCallSettings = { callerId: string | null; greetings: Record<string, VoiceGreeting>; version: number };

export const MAX_GREETING_BYTES = 1_048_576;
/** Entra plays at most 20 seconds of a custom message */
export const MAX_GREETING_MS = 20_000;
export const MAX_GREETINGS = 200;

export type ChangePhoneCallSettings = { type: 'ChangePhoneCallSettings'; data: { callerId: string | null; now: string } };
export type AddVoiceGreeting = { type: 'AddVoiceGreeting'; data: Omit<VoiceGreeting, 'createdAt'> & { now: string } };
export type DeleteVoiceGreeting = { type: 'DeleteVoiceGreeting'; data: { greetingId: string; now: string } };
export type PhoneCallSettingsCommand = ChangePhoneCallSettings | AddVoiceGreeting | DeleteVoiceGreeting;

export const initialState = (): PhoneCallSettings => ({ callerId: null, greetings: {}, version: 0 });

const sameLanguage = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const primaryOf = (tag: string) => tag.split('-')[0]!.toLowerCase();

export function decide(command: PhoneCallSettingsCommand, state: PhoneCallSettings): PhoneCallSettingsEvent[] {
  switch (command.type) {
    case 'ChangePhoneCallSettings': {
      const { callerId, now } = command.data;
      if (callerId !== null && !US_CALLER_ID.test(callerId)) {
        throw new DomainError('INVALID_CALLER_ID', 'invalid', 'the caller ID must be a US number: +1 and ten digits');
      }
      if (state.callerId === callerId && state.version > 0) return [];
      return [{ type: 'PhoneCallSettingsChanged', data: { callerId, version: state.version + 1, at: now } }];
    }
    case 'AddVoiceGreeting': {
      const { now, ...greeting } = command.data;
      if (greeting.sizeBytes > MAX_GREETING_BYTES) throw new DomainError('GREETING_TOO_LARGE', 'invalid', `a custom voice message is at most ${MAX_GREETING_BYTES} bytes`);
      if (greeting.durationMs >= MAX_GREETING_MS) throw new DomainError('GREETING_TOO_LONG', 'invalid', 'a custom voice message must be shorter than 20 seconds');
      const taken = Object.values(state.greetings).find((other) => other.messageType === greeting.messageType && sameLanguage(other.language, greeting.language));
      if (taken) {
        throw new DomainError('GREETING_EXISTS', 'conflict', `a ${greeting.messageType} message in ${taken.language} exists (${taken.greetingId}): delete it first`);
      }
      if (Object.keys(state.greetings).length >= MAX_GREETINGS) throw new DomainError('GREETING_LIMIT_REACHED', 'conflict', `at most ${MAX_GREETINGS} custom voice messages`);
      return [{ type: 'VoiceGreetingAdded', data: { ...greeting, at: now } }];
    }
    case 'DeleteVoiceGreeting': {
      const { greetingId, now } = command.data;
      const greeting = state.greetings[greetingId];
      if (!greeting) throw new DomainError('GREETING_NOT_FOUND', 'notFound', `no custom voice message ${greetingId}`);
      return [{ type: 'VoiceGreetingDeleted', data: { greetingId, messageType: greeting.messageType, language: greeting.language, at: now } }];
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${(unhandled as { type: string }).type}`);
    }
  }
}

export function evolve(state: PhoneCallSettings, event: PhoneCallSettingsEvent): PhoneCallSettings {
  switch (event.type) {
    case 'PhoneCallSettingsChanged':
      return { ...state, callerId: event.data.callerId, version: event.data.version };
    case 'VoiceGreetingAdded': {
      const { at, ...greeting } = event.data;
      return { ...state, greetings: { ...state.greetings, [greeting.greetingId]: { ...greeting, createdAt: at } } };
    }
    case 'VoiceGreetingDeleted': {
      const { [event.data.greetingId]: _, ...greetings } = state.greetings;
      return { ...state, greetings };
    }
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled event ${(unhandled as { type: string }).type}`);
    }
  }
}

/**
 * The message a call in `language` plays for `messageType`: the one recorded in that exact language, else one in
 * the same language for another region ("en-GB" for "en-US"), else none (the provider's standard message).
 */
export function greetingFor(state: PhoneCallSettings, messageType: VoiceMessageType, language: string | null): VoiceGreeting | null {
  if (!language) return null;
  const ofType = Object.values(state.greetings)
    .filter((greeting) => greeting.messageType === messageType)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.greetingId.localeCompare(b.greetingId));
  return ofType.find((greeting) => sameLanguage(greeting.language, language)) ?? ofType.find((greeting) => primaryOf(greeting.language) === primaryOf(language)) ?? null;
}

export const phoneCallSettingsDecider = { decide, evolve, initialState };
