import { assertDeliverable, DeliveryFailedError, SmsMessage, toPayload, VoiceCall } from './otp-delivery.port';

const sms: SmsMessage = { kind: 'sms', challengeId: 'ch-1', userId: 'user-1', to: '+447700900123', code: '042917', expiresAt: '2031-05-06T10:05:00.000Z' };
const call: VoiceCall = { kind: 'voice', challengeId: 'ch-2', userId: 'user-1', to: '+447700900123', code: null, expiresAt: '2031-05-06T10:05:00.000Z', fraudCode: '0' };

describe('a message to deliver', () => {
  it('is deliverable when it names an E.164 number, a date and, for a text, a code of digits', () => {
    expect(() => assertDeliverable(sms, 'test')).not.toThrow();
    expect(() => assertDeliverable(call, 'test')).not.toThrow();
    expect(() => assertDeliverable({ ...call, fraudCode: '9', callerId: '+14155550100' }, 'test')).not.toThrow();
  });

  it.each([
    ['a number without a country code', { ...sms, to: '07700900123' }],
    ['a number too short to be one', { ...sms, to: '+4412' }],
    ['no expiry', { ...sms, expiresAt: 'soon' }],
    ['a short code', { ...sms, code: '12345' }],
    ['a code with letters', { ...sms, code: '12ab56' }],
    ['a call carrying a code', { ...call, code: '123456' as unknown as null }],
    ['# as the fraud code, which would approve', { ...call, fraudCode: '#' }],
    ['two digits as the fraud code', { ...call, fraudCode: '00' }],
    ['a caller id that is a name', { ...call, callerId: 'ACME' }],
    ['an empty greeting', { ...call, greeting: { messageType: 'authenticationGreeting', language: 'en-GB', contentType: 'audio/wav', data: Buffer.alloc(0) } }],
  ])('is refused, for good, with %s', (_case, message) => {
    let error: unknown;
    try {
      assertDeliverable(message as SmsMessage | VoiceCall, 'test');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DeliveryFailedError);
    expect(error).toMatchObject({ code: 'OTP_DELIVERY_FAILED', retryable: false, provider: 'test' });
    expect((error as Error).message).not.toContain('+447700900123');
  });
});

describe('the payload a provider receives', () => {
  it('gives a text its code and a null locale when none was chosen', () => {
    expect(toPayload(sms)).toEqual({ schemaVersion: 1, kind: 'sms', challengeId: 'ch-1', userId: 'user-1', to: '+447700900123', code: '042917', expiresAt: sms.expiresAt, locale: null });
  });

  it('gives a call the keys to press and the provider defaults, and no code', () => {
    expect(toPayload(call)).toEqual({
      schemaVersion: 1,
      kind: 'voice',
      challengeId: 'ch-2',
      userId: 'user-1',
      to: '+447700900123',
      code: null,
      expiresAt: call.expiresAt,
      keys: { approve: '#', reportFraud: '0#' },
      callerId: null,
      locale: null,
      greeting: null,
    });
  });
});
