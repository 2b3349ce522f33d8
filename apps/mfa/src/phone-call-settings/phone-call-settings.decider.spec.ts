import { PhoneCallSettingsEvent, VoiceMessageType } from '@bulwark/contracts';
import { deciderSpecification } from '@bulwark/testing';
import { AddVoiceGreeting, greetingFor, PhoneCallSettings, PhoneCallSettingsCommand, phoneCallSettingsDecider } from './phone-call-settings.decider';

const spec = deciderSpecification<PhoneCallSettingsCommand, PhoneCallSettingsEvent, PhoneCallSettings>(phoneCallSettingsDecider);
const at = '2026-11-21T10:00:00.000Z';
const sha = (n: number) => String(n).repeat(64).slice(0, 64);

const callerChanged = (callerId: string | null, version: number): PhoneCallSettingsEvent => ({ type: 'PhoneCallSettingsChanged', data: { callerId, version, at } });
const add = (greetingId: string, messageType: VoiceMessageType, language: string, durationMs = 5_000): AddVoiceGreeting => ({
  type: 'AddVoiceGreeting',
  data: { greetingId, messageType, language, contentType: 'audio/wav', sha256: sha(greetingId.length), sizeBytes: 80_000, durationMs, fileName: 'hello.wav', now: at },
});
const added = (command: AddVoiceGreeting): PhoneCallSettingsEvent => {
  const { now, ...greeting } = command.data;
  return { type: 'VoiceGreetingAdded', data: { ...greeting, at: now } };
};

describe('phone call settings', () => {
  describe('with no settings yet', () => {
    it('has no caller ID and no greetings, at version 0', () => {
      expect(spec.given([]).state).toEqual({ callerId: null, greetings: {}, version: 0 });
    });

    it('records a US caller ID as version 1', () => {
      spec.given([]).when({ type: 'ChangePhoneCallSettings', data: { callerId: '+14255550100', now: at } }).then([callerChanged('+14255550100', 1)]);
    });

    it('refuses a caller ID outside the US', () => {
      spec.given([]).when({ type: 'ChangePhoneCallSettings', data: { callerId: '+447700900123', now: at } }).thenThrows('INVALID_CALLER_ID');
      spec.given([]).when({ type: 'ChangePhoneCallSettings', data: { callerId: '+1425555010', now: at } }).thenThrows('INVALID_CALLER_ID');
    });
  });

  describe('with a caller ID set', () => {
    const given = [callerChanged('+14255550100', 1)];

    it('records nothing when the same number is set again', () => {
      spec.given(given).when({ type: 'ChangePhoneCallSettings', data: { callerId: '+14255550100', now: at } }).then([]);
    });

    it('goes back to the provider’s number with null', () => {
      spec.given(given).when({ type: 'ChangePhoneCallSettings', data: { callerId: null, now: at } }).then([callerChanged(null, 2)]);
    });
  });

  describe('with an en-US greeting', () => {
    const first = add('g1', 'greeting', 'en-US');
    const given = [added(first)];

    it('refuses a second greeting of the same type and language, whatever the case of the tag', () => {
      spec.given(given).when(add('g2', 'greeting', 'en-us')).thenThrows('GREETING_EXISTS');
    });

    it('adds one of another type or language', () => {
      const french = add('g2', 'greeting', 'fr-FR');
      spec.given(given).when(french).then([added(french)]);
      const fraud = add('g3', 'fraudGreeting', 'en-US');
      spec.given(given).when(fraud).then([added(fraud)]);
    });

    it('refuses audio of 20 seconds or more, even if the adapter let it through', () => {
      spec.given(given).when(add('g2', 'retry', 'en-US', 20_000)).thenThrows('GREETING_TOO_LONG');
    });

    it('deletes it, and refuses to delete one it does not have', () => {
      spec.given(given).when({ type: 'DeleteVoiceGreeting', data: { greetingId: 'g1', now: at } }).then([
        { type: 'VoiceGreetingDeleted', data: { greetingId: 'g1', messageType: 'greeting', language: 'en-US', at } },
      ]);
      spec.given(given).when({ type: 'DeleteVoiceGreeting', data: { greetingId: 'nope', now: at } }).thenThrows('GREETING_NOT_FOUND');
    });

    it('chooses it for en-US, for another English, not for French nor for another type, nor with no language', () => {
      const state = spec.given([...given, added(add('g22', 'greeting', 'en-GB'))]).state;
      expect(greetingFor(state, 'greeting', 'en-US')?.greetingId).toBe('g1');
      expect(greetingFor(state, 'greeting', 'en-GB')?.greetingId).toBe('g22');
      expect(greetingFor(state, 'greeting', 'en-AU')?.greetingId).toBe('g1');
      expect(greetingFor(state, 'greeting', 'fr-FR')).toBeNull();
      expect(greetingFor(state, 'fraudGreeting', 'en-US')).toBeNull();
      expect(greetingFor(state, 'greeting', null)).toBeNull();
    });
  });
});
