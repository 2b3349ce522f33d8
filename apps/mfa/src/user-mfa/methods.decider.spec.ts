import { UserMfaEvent } from '@bulwark/contracts';
import { deciderSpecification } from '@bulwark/testing';
import { MethodsCommand, methodsDecider } from './methods.decider';
import { MethodsState } from './methods.model';

const spec = deciderSpecification<MethodsCommand, UserMfaEvent, MethodsState>(methodsDecider);

const userId = 'alice';
const at = (time: string) => `2026-11-21T${time}.000Z`;
const secret = { keyId: 'k', iv: 'iv', tag: 'tag', ciphertext: 'c' };

const added: UserMfaEvent = {
  type: 'AuthenticatorAppAdded',
  data: { userId, methodId: 'm1', secret, algorithm: 'SHA1', digits: 6, period: 30, displayName: null, pushEnabled: true, at: at('09:00:00') },
};
const registered: UserMfaEvent = {
  type: 'MethodRegistered',
  data: { userId, methodId: 'm1', methodType: 'softwareOath', displayName: null, timeStep: 100, at: at('09:00:10') },
};
const phone: UserMfaEvent = {
  type: 'MethodRegistered',
  data: { userId, methodId: 'p1', methodType: 'phone', displayName: null, timeStep: null, phoneNumber: '+447700900123', phoneType: 'mobile', at: at('09:01:00') },
};
const attempt = (challengeId: string, time: string) => ({ userId, challengeId, methodId: 'm1', clientIp: '203.0.113.7', userAgent: null, appId: null, at: at(time) });
const hotpToken: UserMfaEvent = {
  type: 'HardwareTokenAssigned',
  data: {
    userId,
    methodId: 't1',
    serialNumber: 'SN-1',
    manufacturer: null,
    model: null,
    secret,
    oathType: 'hotp',
    hashFunction: 'hmacsha1',
    digits: 6,
    period: null,
    counter: 10,
    at: at('09:00:00'),
  },
};

describe('methods decider', () => {
  describe('with a pending authenticator app', () => {
    const given = [added];

    it('registers the method with the time step of the activation code', () => {
      spec.given(given).when({ type: 'ActivateAuthenticatorApp', data: { userId, methodId: 'm1', codeMatched: 100, now: at('09:00:10') } }).then([registered]);
    });

    it('refuses a wrong activation code without recording anything', () => {
      spec.given(given).when({ type: 'ActivateAuthenticatorApp', data: { userId, methodId: 'm1', codeMatched: null, now: at('09:00:10') } }).thenThrows('INVALID_CODE');
    });

    it('refuses to activate a method it does not have', () => {
      spec.given(given).when({ type: 'ActivateAuthenticatorApp', data: { userId, methodId: 'nope', codeMatched: 1, now: at('09:00:10') } }).thenThrows('METHOD_NOT_FOUND');
    });
  });

  describe('with an active authenticator app', () => {
    it('refuses a second activation', () => {
      spec.given([added, registered]).when({ type: 'ActivateAuthenticatorApp', data: { userId, methodId: 'm1', codeMatched: 101, now: at('09:01:00') } }).thenThrows('METHOD_ALREADY_ACTIVE');
    });

    it('moves the last time step with each approval, and with nothing else of a sign-in', () => {
      const issued: UserMfaEvent = {
        type: 'MfaChallengeIssued',
        data: { ...attempt('c1', '10:00:00'), methodType: 'softwareOath', channel: 'appCode', codeHash: null, expiresAt: at('10:05:00') },
      };
      const approved: UserMfaEvent = { type: 'MfaApproved', data: { ...attempt('c1', '10:00:05'), timeStep: 140, channel: 'appCode', sessionId: 's1' } };
      const { state } = spec.given([added, registered, issued, approved]);
      expect(state.methods.m1).toMatchObject({ status: 'active', lastTimeStep: 140 });
      expect(Object.keys(state)).not.toContain('challenges');
    });
  });

  describe('creating an app password', () => {
    const hashOf = { algorithm: 'scrypt' as const, N: 16384, r: 8, p: 1, salt: 's', hash: 'h' };
    const create = (allowedByPolicy: boolean): MethodsCommand => ({
      type: 'CreateAppPassword',
      data: { userId, appPasswordId: 'ap1', displayName: 'Outlook 2010', hash: hashOf, allowedByPolicy, now: at('10:00:00') },
    });
    const created: UserMfaEvent = { type: 'AppPasswordCreated', data: { userId, appPasswordId: 'ap1', displayName: 'Outlook 2010', hash: hashOf, at: at('10:00:00') } };

    it('creates one while the tenant allows it', () => {
      spec.given([added, registered]).when(create(true)).then([created]);
    });

    it('refuses while the tenant does not, recording nothing', () => {
      spec.given([added, registered]).when(create(false)).thenThrows('APP_PASSWORDS_NOT_ALLOWED');
    });
  });

  describe('with a mobile phone and an authenticator app', () => {
    const given = [added, registered, phone];

    it('keeps one phone per phone type', () => {
      spec
        .given(given)
        .when({ type: 'RegisterPhone', data: { userId, methodId: 'p2', phoneNumber: '+447700900999', phoneType: 'mobile', now: at('10:00:00') } })
        .thenThrows('PHONE_TYPE_TAKEN');
    });

    it('changes nothing when the default is set to the default again', () => {
      const byDefault: UserMfaEvent = { type: 'DefaultMethodChanged', data: { userId, methodId: 'p1', at: at('09:02:00') } };
      spec.given([...given, byDefault]).when({ type: 'SetDefaultMethod', data: { userId, methodId: 'p1', now: at('10:00:00') } }).then([]);
    });

    it('removes every method when an admin requires re-registration', () => {
      spec.given(given).when({ type: 'RequireReregistration', data: { userId, now: at('10:00:00') } }).then([
        { type: 'MfaReregistrationRequired', data: { userId, removedMethodIds: ['m1', 'p1'], at: at('10:00:00') } },
      ]);
    });
  });

  describe('with five active OATH methods', () => {
    const app = (n: number): UserMfaEvent[] => [
      { ...added, data: { ...added.data, methodId: `m${n}` } } as UserMfaEvent,
      { ...registered, data: { ...registered.data, methodId: `m${n}` } } as UserMfaEvent,
    ];
    const given = [1, 2, 3, 4, 5].flatMap(app);

    it('refuses a sixth with a clear error', () => {
      spec
        .given(given)
        .when({ type: 'AddAuthenticatorApp', data: { userId, methodId: 'm6', secret, algorithm: 'SHA1', digits: 6, period: 30, displayName: null, pushEnabled: false, now: at('10:00:00') } })
        .thenThrows('METHOD_LIMIT_REACHED');
    });
  });

  describe('with an HOTP token assigned at counter 10', () => {
    it('fails an activation with a code at or before its counter, and activates with one after', () => {
      spec.given([hotpToken]).when({ type: 'ActivateHardwareToken', data: { userId, methodId: 't1', codeMatched: 9, now: at('09:01:00') } }).then([
        { type: 'HardwareTokenActivationFailed', data: { userId, methodId: 't1', at: at('09:01:00') } },
      ]);
      spec.given([hotpToken]).when({ type: 'ActivateHardwareToken', data: { userId, methodId: 't1', codeMatched: 10, now: at('09:01:00') } }).then([
        { type: 'MethodRegistered', data: { userId, methodId: 't1', methodType: 'hardwareOath', displayName: 'SN-1', timeStep: 10, at: at('09:01:00') } },
      ]);
    });

    it('resynchronises only ahead of the counter an approval moved', () => {
      const active: UserMfaEvent = { type: 'MethodRegistered', data: { userId, methodId: 't1', methodType: 'hardwareOath', displayName: 'SN-1', timeStep: 10, at: at('09:01:00') } };
      const approved: UserMfaEvent = { type: 'MfaApproved', data: { ...attempt('c1', '10:00:05'), methodId: 't1', timeStep: 20, channel: 'appCode', sessionId: 's1' } };
      const resync = (lastCounter: number): MethodsCommand => ({ type: 'ResyncHardwareToken', data: { userId, methodId: 't1', lastCounter, now: at('11:00:00') } });
      spec.given([hotpToken, active, approved]).when(resync(20)).thenThrows('INVALID_CODE');
      spec.given([hotpToken, active, approved]).when(resync(25)).then([{ type: 'HardwareTokenResynchronized', data: { userId, methodId: 't1', lastCounter: 25, at: at('11:00:00') } }]);
    });
  });

  describe('with an HOTP token assigned at counter 2^60 + 5, above 2^53', () => {
    // 2^60 + 4, + 5 and + 6 are the same double: only exact counters tell them apart
    const counter = (offset: number) => (2n ** 60n + BigInt(offset)).toString();
    const bigToken: UserMfaEvent = { ...hotpToken, data: { ...hotpToken.data, counter: counter(5) } } as UserMfaEvent;
    const activate = (codeMatched: string): MethodsCommand => ({ type: 'ActivateHardwareToken', data: { userId, methodId: 't1', codeMatched, now: at('09:01:00') } });
    const active: UserMfaEvent = { type: 'MethodRegistered', data: { userId, methodId: 't1', methodType: 'hardwareOath', displayName: 'SN-1', timeStep: counter(5), at: at('09:01:00') } };

    it('keeps the counter before the next code exactly', () => {
      expect(spec.given([bigToken]).state.methods.t1).toMatchObject({ status: 'pending', lastTimeStep: counter(4) });
    });

    it('fails an activation one counter behind, and activates with the next code', () => {
      spec.given([bigToken]).when(activate(counter(4))).then([{ type: 'HardwareTokenActivationFailed', data: { userId, methodId: 't1', at: at('09:01:00') } }]);
      spec.given([bigToken]).when(activate(counter(5))).then([active]);
      expect(spec.given([bigToken, active]).state.methods.t1).toMatchObject({ status: 'active', lastTimeStep: counter(5) });
    });

    it('moves with approvals and resynchronises only ahead of them, exactly', () => {
      const approved: UserMfaEvent = { type: 'MfaApproved', data: { ...attempt('c1', '10:00:05'), methodId: 't1', timeStep: counter(7), channel: 'appCode', sessionId: 's1' } };
      const resync = (lastCounter: string): MethodsCommand => ({ type: 'ResyncHardwareToken', data: { userId, methodId: 't1', lastCounter, now: at('11:00:00') } });
      const resynced: UserMfaEvent = { type: 'HardwareTokenResynchronized', data: { userId, methodId: 't1', lastCounter: counter(8), at: at('11:00:00') } };
      spec.given([bigToken, active, approved]).when(resync(counter(7))).thenThrows('INVALID_CODE');
      spec.given([bigToken, active, approved]).when(resync(counter(8))).then([resynced]);
      expect(spec.given([bigToken, active, approved, resynced]).state.methods.t1).toMatchObject({ lastTimeStep: counter(8) });
    });

    it('takes a counter near 2^64', () => {
      const top = { ...hotpToken, data: { ...hotpToken.data, counter: '18446744073709551610' } } as UserMfaEvent;
      spec.given([top]).when(activate('18446744073709551612')).then([{ ...active, data: { ...active.data, timeStep: '18446744073709551612' } } as UserMfaEvent]);
    });
  });
});
