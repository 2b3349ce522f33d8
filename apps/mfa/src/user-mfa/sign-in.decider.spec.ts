import { ChallengeChannel, DenialReason, UserMfaEvent } from '@bulwark/contracts';
import { deciderSpecification } from '@bulwark/testing';
import { LockoutPolicy } from '../lockout-settings/lockout-settings.decider';
import { defaultRateLimits, RateLimits } from '../rate-limit-settings/rate-limit-settings.decider';
import { RecordedUserFields } from '../sign-in-log-fields/sign-in-log-fields.decider';
import { RegistrationRequirement, SignInPolicy } from './challenge-issuing';
import { Proof, SignInCommand, signInDecider } from './sign-in.decider';
import { SignInModel } from './sign-in.model';

const spec = deciderSpecification<SignInCommand, UserMfaEvent, SignInModel>(signInDecider);

const userId = 'alice';
const at = (time: string) => `2026-11-21T${time}.000Z`;
const secret = { keyId: 'k', iv: 'iv', tag: 'tag', ciphertext: 'c' };
const policy: LockoutPolicy = { denialsBeforeLockout: 3, counterResetMinutes: 10, autoUnlockMinutes: 15, version: 2 };
/** limits no test outside 'rate limits' reaches */
const roomy: RateLimits = { challengesPerMinute: 100, pushesPerWindow: 100, smsPerWindow: 100, callsPerWindow: 100, windowMinutes: 10, attemptsPerChallenge: 100, version: 1 };

const added: UserMfaEvent = {
  type: 'AuthenticatorAppAdded',
  data: { userId, methodId: 'm1', secret, algorithm: 'SHA1', digits: 6, period: 30, displayName: null, pushEnabled: true, at: at('09:00:00') },
};
const registered: UserMfaEvent = {
  type: 'MethodRegistered',
  data: { userId, methodId: 'm1', methodType: 'softwareOath', displayName: null, timeStep: 100, at: at('09:00:10') },
};
const attempt = (challengeId: string, time: string, methodId = 'm1') => ({ userId, challengeId, methodId, clientIp: '203.0.113.7', userAgent: null, appId: null, at: at(time) });
const hash = 'ab'.repeat(32);
const lifetimes = { appCode: 300, appNotification: 60, sms: 180, voice: 300 };
const issued = (challengeId: string, time: string, expires = '10:05:00', channel: 'appCode' | 'appNotification' | 'sms' | 'voice' = 'appCode', methodId = 'm1'): UserMfaEvent => ({
  type: 'MfaChallengeIssued',
  data: {
    ...attempt(challengeId, time, methodId),
    methodType: methodId === 'm1' ? 'softwareOath' : 'phone',
    channel,
    codeHash: channel === 'appCode' ? null : hash,
    expiresAt: at(expires),
  },
});
const denied = (challengeId: string, time: string, reason: DenialReason = 'wrongCode', endsChallenge = false, methodId = 'm1'): UserMfaEvent => ({
  type: 'MfaDenied',
  data: { ...attempt(challengeId, time, methodId), reason, endsChallenge },
});
const approved = (challengeId: string, time: string, timeStep: number | null, channel: 'appCode' | 'appNotification' | 'sms' | 'voice' = 'appCode', methodId = 'm1'): UserMfaEvent => ({
  type: 'MfaApproved',
  data: { ...attempt(challengeId, time, methodId), timeStep, channel, sessionId: 's1' },
});
const lockedOut = (time: string, until: string | null, causedBy: string[], factor: 'oneTimeCode' | 'push' = 'oneTimeCode'): UserMfaEvent => ({
  type: 'AccountLockedOut',
  data: { userId, lockedUntil: until === null ? null : at(until), causedBy, factor, settingsVersion: 2, at: at(time) },
});
const phoneRegistered: UserMfaEvent = {
  type: 'MethodRegistered',
  data: { userId, methodId: 'p1', methodType: 'phone', displayName: null, timeStep: null, phoneNumber: '+447700900123', phoneType: 'office', at: at('09:01:00') },
};
const askedToRegister = (challengeId: string, time: string, overrides: Record<string, unknown> = {}): UserMfaEvent =>
  ({
    type: 'RegistrationRequiredAtSignIn',
    data: {
      userId,
      challengeId,
      methodId: null,
      clientIp: '203.0.113.7',
      userAgent: null,
      appId: null,
      at: at(time),
      reason: 'noMethods',
      required: true,
      canPostpone: false,
      postponeUntil: null,
      policyVersion: 0,
      ...overrides,
    },
  }) as UserMfaEvent;
const allChannels = ['appCode', 'appNotification', 'sms', 'voice', 'appPassword'] as ChallengeChannel[];
const answer = (challengeId: string, proof: Proof, time: string, withPolicy = policy, enabledChannels = allChannels, limits = roomy): SignInCommand => ({
  type: 'VerifyChallenge',
  data: { userId, challengeId, proof, sessionId: 's1', policy: withPolicy, limits, enabledChannels, rememberDevice: null, blockedUntil: null, now: at(time) },
});
const signIn = (overrides: Partial<SignInPolicy> = {}): SignInPolicy => ({
  settingsVersion: 3,
  enabledChannels: allChannels,
  trustedIp: false,
  deviceTokenHash: null,
  sessionId: 'bypass-session',
  blockedUntil: null,
  ...overrides,
});
const verify = (challengeId: string, matchedStep: number | null, time: string, withPolicy = policy) => answer(challengeId, { kind: 'appCode', matchedStep }, time, withPolicy);
const issue = (
  challengeId: string,
  time: string,
  options: {
    methodId?: string;
    channel?: 'appCode' | 'appNotification' | 'sms' | 'voice';
    signIn?: SignInPolicy;
    registration?: Partial<RegistrationRequirement>;
    recorded?: RecordedUserFields;
    /** a full timestamp, for sign-ins days apart */
    now?: string;
    limits?: RateLimits;
  } = {},
): SignInCommand => ({
  type: 'IssueChallenge',
  data: {
    userId,
    challengeId,
    clientIp: '203.0.113.7',
    userAgent: null,
    appId: null,
    methodId: options.methodId ?? null,
    channel: options.channel ?? null,
    codeHash: hash,
    lifetimes,
    signIn: options.signIn ?? signIn(),
    registration: { required: true, postponeDays: 0, policyVersion: 0, ...options.registration },
    recorded: options.recorded ?? {},
    limits: options.limits ?? roomy,
    now: options.now ?? at(time),
  },
});

describe('sign-in decider', () => {
  describe('with a pending authenticator app', () => {
    const given = [added];

    it('asks for registration instead of a challenge before any method is active', () => {
      spec.given(given).when(issue('c1', '10:00:00')).then([askedToRegister('c1', '10:00:00')]);
    });

    it("refuses a challenge on the pending method with Entra's words", () => {
      expect(() => spec.given([...given, phoneRegistered]).when(issue('c1', '10:00:00', { methodId: 'm1' })).then([])).toThrow(
        'Authentication request is not for an activated account',
      );
    });

    it("refuses a push answer for a method that was never activated with Entra's words, recording nothing", () => {
      // a challenge on a pending method, as only history from before issuing checked activation can hold
      const open = [...given, issued('c1', '10:00:00', '10:01:00', 'appNotification')];
      spec.given(open).when(answer('c1', { kind: 'push', response: 'approve', numberMatches: true }, '10:00:10')).thenThrows('ACCOUNT_NOT_ACTIVATED');
      expect(() => spec.given(open).when(answer('c1', { kind: 'push', response: 'approve', numberMatches: true }, '10:00:10')).then([])).toThrow(
        'Authentication request is not for an activated account',
      );
    });
  });

  describe('with no MFA stream at all', () => {
    it('asks the user to register, as the policy requires of everyone by default', () => {
      spec.given([]).when(issue('c1', '10:00:00')).then([askedToRegister('c1', '10:00:00')]);
    });
  });

  describe('with a registration policy that allows 3 days of postponement', () => {
    const postpone = { registration: { postponeDays: 3, policyVersion: 4 } };
    const firstAsked = askedToRegister('c0', '10:00:00', { canPostpone: true, postponeUntil: '2026-11-24T10:00:00.000Z', policyVersion: 4 });

    it('lets the user postpone from the first sign-in that asks them, for 3 days counted from it', () => {
      spec.given([]).when(issue('c0', '10:00:00', postpone)).then([firstAsked]);
      const later = issue('c1', '10:00:00', { ...postpone, now: '2026-11-23T09:00:00.000Z' });
      const [event] = spec.given([firstAsked]).when(later).events();
      expect(event).toMatchObject({ type: 'RegistrationRequiredAtSignIn', data: { canPostpone: true, postponeUntil: '2026-11-24T10:00:00.000Z' } });
    });

    it('no longer lets them postpone once the 3 days have run out', () => {
      const late = issue('c2', '10:00:00', { ...postpone, now: '2026-11-24T10:00:00.000Z' });
      const [event] = spec.given([firstAsked]).when(late).events();
      expect(event).toMatchObject({ type: 'RegistrationRequiredAtSignIn', data: { required: true, canPostpone: false, postponeUntil: '2026-11-24T10:00:00.000Z' } });
    });

    it('starts a fresh postponement after the user registered and lost every method again', () => {
      const removed: UserMfaEvent = { type: 'MethodRemoved', data: { userId, methodId: 'p1', methodType: 'phone', reason: null, at: at('11:00:00') } };
      const again = issue('c3', '10:00:00', { ...postpone, now: '2026-11-25T10:00:00.000Z' });
      const [event] = spec.given([firstAsked, phoneRegistered, removed]).when(again).events();
      expect(event).toMatchObject({ data: { canPostpone: true, postponeUntil: '2026-11-28T10:00:00.000Z' } });
    });

    it('never lets a blocked user postpone', () => {
      spec.given([]).when(issue('c0', '10:00:00', { ...postpone, signIn: signIn({ blockedUntil: at('12:00:00') }) })).then([
        askedToRegister('c0', '10:00:00', { canPostpone: false, postponeUntil: '2026-11-24T10:00:00.000Z', policyVersion: 4 }),
      ]);
    });

    it('lets a user the policy does not name skip without a deadline', () => {
      spec.given([]).when(issue('c0', '10:00:00', { registration: { required: false, postponeDays: 3, policyVersion: 4 } })).then([
        askedToRegister('c0', '10:00:00', { required: false, canPostpone: true, postponeUntil: null, policyVersion: 4 }),
      ]);
    });
  });

  describe('with only a phone, and the tenant allowing app codes only', () => {
    const appOnly = signIn({ enabledChannels: ['appCode', 'appPassword'] });

    it('treats the user as one without methods: registration is required', () => {
      spec.given([phoneRegistered]).when(issue('c1', '10:00:00', { signIn: appOnly })).then([askedToRegister('c1', '10:00:00', { reason: 'methodsDisabled' })]);
    });
  });

  describe('creating an app password', () => {
    const hashOf = { algorithm: 'scrypt' as const, N: 16384, r: 8, p: 1, salt: 's', hash: 'h' };
    const created: UserMfaEvent = { type: 'AppPasswordCreated', data: { userId, appPasswordId: 'ap1', displayName: 'Outlook 2010', hash: hashOf, at: at('10:00:00') } };

    it('still accepts an existing one after the tenant turned creation off', () => {
      const verify: SignInCommand = {
        type: 'VerifyAppPassword',
        data: { userId, attemptId: 'a1', matchedAppPasswordId: 'ap1', clientIp: '203.0.113.7', userAgent: null, appId: null, sessionId: 's1', policy, blockedUntil: null, now: at('10:05:00') },
      };
      expect(spec.given([added, registered, created]).when(verify).events()).toEqual([expect.objectContaining({ type: 'MfaApproved' })]);
    });
  });

  describe('with sign-in-log fields to record', () => {
    it('writes the recorded fields into the challenge, the bypass and the registration prompt', () => {
      const recorded = { userFirstName: 'Alice', userEmail: 'alice@example.com' };
      spec.given([added, registered]).when(issue('c1', '10:00:00', { recorded })).then([{ ...issued('c1', '10:00:00'), data: { ...issued('c1', '10:00:00').data, ...recorded } } as UserMfaEvent]);
      const [bypass] = spec.given([added, registered]).when(issue('c1', '10:00:00', { recorded, signIn: signIn({ trustedIp: true }) })).events();
      expect(bypass!.data).toMatchObject(recorded);
      spec.given([]).when(issue('c1', '10:00:00', { recorded })).then([askedToRegister('c1', '10:00:00', recorded)]);
    });
  });

  describe('with an active authenticator app', () => {
    const given = [added, registered];

    it('issues a challenge on the active method that expires after its lifetime', () => {
      spec.given(given).when(issue('c1', '10:00:00')).then([issued('c1', '10:00:00', '10:05:00')]);
    });

    it('approves a fresh code', () => {
      spec.given([...given, issued('c1', '10:00:00')]).when(verify('c1', 101, '10:00:05')).then([approved('c1', '10:00:05', 101)]);
    });

    it('denies the activation code as a replay', () => {
      spec.given([...given, issued('c1', '10:00:00')]).when(verify('c1', 100, '10:00:05')).then([denied('c1', '10:00:05', 'replayedCode')]);
    });

    it('denies a code that already approved once', () => {
      spec
        .given([...given, issued('c1', '10:00:00'), approved('c1', '10:00:05', 101), issued('c2', '10:00:06')])
        .when(verify('c2', 101, '10:00:07'))
        .then([denied('c2', '10:00:07', 'replayedCode')]);
    });

    it('refuses to verify an approved challenge again', () => {
      spec.given([...given, issued('c1', '10:00:00'), approved('c1', '10:00:05', 101)]).when(verify('c1', 102, '10:00:35')).thenThrows('CHALLENGE_FINISHED');
    });

    it('refuses an unknown challenge', () => {
      spec.given(given).when(verify('zz', 101, '10:00:05')).thenThrows('CHALLENGE_NOT_FOUND');
    });

    it('denies an expired challenge and ends it', () => {
      const expired = [...given, issued('c1', '10:00:00', '10:05:00')];
      spec.given(expired).when(verify('c1', 101, '10:05:00')).then([denied('c1', '10:05:00', 'expired', true)]);
      spec.given([...expired, denied('c1', '10:05:00', 'expired', true)]).when(verify('c1', 101, '10:05:01')).thenThrows('CHALLENGE_FINISHED');
    });

    it('refuses a report when the tenant has turned reporting off', () => {
      spec
        .given([...given, issued('c1', '10:00:00')])
        .when({ type: 'ReportSuspiciousActivity', data: { userId, challengeId: 'c1', reportingEnabled: false, autoBlockOnFraud: false, now: at('10:00:09') } })
        .thenThrows('FRAUD_REPORTING_DISABLED');
    });

    it('records a report of suspicious activity as a fraud denial that ends the challenge', () => {
      spec
        .given([...given, issued('c1', '10:00:00')])
        .when({ type: 'ReportSuspiciousActivity', data: { userId, challengeId: 'c1', reportingEnabled: true, autoBlockOnFraud: true, now: at('10:00:09') } })
        .then([denied('c1', '10:00:09', 'fraudReported', true), { type: 'SuspiciousActivityReported', data: { ...attempt('c1', '10:00:09'), autoBlockOnFraud: true } }]);
    });
  });

  describe('with 2 recent denials and a threshold of 3', () => {
    const given = [added, registered, issued('c1', '10:00:00'), denied('c1', '10:00:10'), issued('c2', '10:00:20'), denied('c2', '10:00:30'), issued('c3', '10:00:40', '10:30:00')];

    it('locks out on the third wrong code, in the same decision, naming the denials and the policy version', () => {
      spec.given(given).when(verify('c3', null, '10:00:50')).then([denied('c3', '10:00:50'), lockedOut('10:00:50', '10:15:50', ['c1', 'c2', 'c3'])]);
    });

    it('locks until an admin unlocks when automatic unlock is 0', () => {
      const adminOnly = { ...policy, autoUnlockMinutes: 0 };
      spec.given(given).when(verify('c3', null, '10:00:50', adminOnly)).then([denied('c3', '10:00:50'), lockedOut('10:00:50', null, ['c1', 'c2', 'c3'])]);
    });

    it('still approves a fresh code, and the approval clears the counter', () => {
      spec.given(given).when(verify('c3', 101, '10:00:50')).then([approved('c3', '10:00:50', 101)]);
      spec.given([...given, approved('c3', '10:00:50', 101), issued('c4', '10:01:00')]).when(verify('c4', null, '10:01:10')).then([denied('c4', '10:01:10')]);
    });

    it('does not count denials older than the counter reset', () => {
      spec.given(given).when(verify('c3', null, '10:10:20')).then([denied('c3', '10:10:20')]);
    });
  });

  describe('when locked out until 10:15:50', () => {
    const given = [
      added,
      registered,
      issued('c1', '10:00:00', '10:30:00'),
      denied('c1', '10:00:10'),
      denied('c1', '10:00:20'),
      denied('c1', '10:00:30'),
      lockedOut('10:00:30', '10:15:50', ['c1', 'c1', 'c1']),
    ];

    it('denies even a correct code as lockedOut and leaves the challenge open', () => {
      spec.given(given).when(verify('c1', 101, '10:01:00')).then([denied('c1', '10:01:00', 'lockedOut')]);
    });

    it('refuses a new challenge as it is issued', () => {
      spec.given(given).when(issue('c9', '10:02:00')).then([issued('c9', '10:02:00', '10:07:00'), denied('c9', '10:02:00', 'lockedOut', true)]);
    });

    it('lets an admin lift the lock now, forgiving the denials that caused it', () => {
      const unlock: SignInCommand = { type: 'UnlockAccount', data: { userId, reason: 'verified by phone', now: at('10:02:00') } };
      const unlocked: UserMfaEvent = { type: 'AccountUnlocked', data: { userId, reason: 'verified by phone', at: at('10:02:00') } };
      spec.given(given).when(unlock).then([unlocked]);
      spec.given([...given, unlocked]).when(verify('c1', 101, '10:02:10')).then([approved('c1', '10:02:10', 101)]);
      spec.given([...given, unlocked]).when(unlock).thenThrows('NOT_LOCKED_OUT');
    });

    it('approves a correct code once the lock has expired, with a fresh counter', () => {
      spec.given(given).when(verify('c1', 101, '10:15:50')).then([approved('c1', '10:15:50', 101)]);
      spec.given(given).when(verify('c1', null, '10:16:00')).then([denied('c1', '10:16:00')]);
    });
  });
  describe('with a mobile phone and a push-enabled authenticator app', () => {
    const phone: UserMfaEvent = {
      type: 'MethodRegistered',
      data: { userId, methodId: 'p1', methodType: 'phone', displayName: null, timeStep: null, phoneNumber: '+447700900123', phoneType: 'mobile', at: at('09:01:00') },
    };
    const given = [added, registered, phone];

    it('texts a code on the phone when the phone is asked for, for 180 s', () => {
      spec.given(given).when(issue('c1', '10:00:00', { methodId: 'p1' })).then([issued('c1', '10:00:00', '10:03:00', 'sms', 'p1')]);
    });

    it('calls an office phone, and refuses to text it', () => {
      const office: UserMfaEvent = { ...phone, data: { ...phone.data, methodId: 'o1', phoneType: 'office' } } as UserMfaEvent;
      spec.given([...given, office]).when(issue('c1', '10:00:00', { methodId: 'o1', channel: 'sms' })).thenThrows('CHANNEL_NOT_SUPPORTED');
    });

    it('accepts the texted code until it expires, and not after', () => {
      const open = [...given, issued('c1', '10:00:00', '10:03:00', 'sms', 'p1')];
      spec.given(open).when(answer('c1', { kind: 'sentCode', matches: true }, '10:02:59')).then([approved('c1', '10:02:59', null, 'sms', 'p1')]);
      spec.given(open).when(answer('c1', { kind: 'sentCode', matches: true }, '10:03:01')).then([denied('c1', '10:03:01', 'expired', true, 'p1')]);
    });

    it('voids an open texted code when a new one is sent', () => {
      spec
        .given([...given, issued('c1', '10:00:00', '10:03:00', 'sms', 'p1')])
        .when(issue('c2', '10:01:00', { methodId: 'p1' }))
        .then([denied('c1', '10:01:00', 'superseded', true, 'p1'), issued('c2', '10:01:00', '10:04:00', 'sms', 'p1')]);
    });

    it('counts a wrong texted code like a wrong app code', () => {
      spec.given([...given, issued('c1', '10:00:00', '10:03:00', 'sms', 'p1')]).when(answer('c1', { kind: 'sentCode', matches: false }, '10:01:00')).then([denied('c1', '10:01:00', 'wrongCode', false, 'p1')]);
    });

    it('refuses an answer of the wrong kind (an app code for a texted challenge)', () => {
      spec.given([...given, issued('c1', '10:00:00', '10:03:00', 'sms', 'p1')]).when(verify('c1', 101, '10:01:00')).thenThrows('WRONG_ANSWER_KIND');
    });

    it('approves a push when the user picks the number shown, for 60 s', () => {
      spec.given(given).when(issue('c1', '10:00:00', { channel: 'appNotification' })).then([issued('c1', '10:00:00', '10:01:00', 'appNotification')]);
      const open = [...given, issued('c1', '10:00:00', '10:01:00', 'appNotification')];
      spec.given(open).when(answer('c1', { kind: 'push', response: 'approve', numberMatches: true }, '10:00:20')).then([approved('c1', '10:00:20', null, 'appNotification')]);
    });

    it('ends a push on a wrong number, a denial, or no answer in time', () => {
      const open = [...given, issued('c1', '10:00:00', '10:01:00', 'appNotification')];
      spec.given(open).when(answer('c1', { kind: 'push', response: 'approve', numberMatches: false }, '10:00:20')).then([denied('c1', '10:00:20', 'wrongNumber', true)]);
      spec.given(open).when(answer('c1', { kind: 'push', response: 'deny', numberMatches: false }, '10:00:20')).then([denied('c1', '10:00:20', 'userDeclined', true)]);
      spec.given(open).when(answer('c1', { kind: 'push', response: 'approve', numberMatches: true }, '10:01:00')).then([denied('c1', '10:01:00', 'timeout', true)]);
      spec.given(open).when({ type: 'ExpireChallenge', data: { userId, challengeId: 'c1', now: at('10:01:00') } }).then([denied('c1', '10:01:00', 'timeout', true)]);
      spec.given(open).when({ type: 'ExpireChallenge', data: { userId, challengeId: 'c1', now: at('10:00:59') } }).then([]);
    });

    describe('counting denials per factor class (threshold 3)', () => {
      const pushes = (...ids: string[]) => ids.map((id, index) => issued(id, `10:00:${10 + index * 2}`, `10:01:${10 + index * 2}`, 'appNotification'));
      const base = [...given, ...pushes('p1', 'p2', 'p3')];

      it('locks on the third declined push, naming the push counter', () => {
        const history = [...base, denied('p1', '10:00:20', 'userDeclined', true), denied('p2', '10:00:21', 'userDeclined', true)];
        spec
          .given(history)
          .when(answer('p3', { kind: 'push', response: 'deny', numberMatches: false }, '10:00:22'))
          .then([denied('p3', '10:00:22', 'userDeclined', true), lockedOut('10:00:22', '10:15:22', ['p1', 'p2', 'p3'], 'push')]);
      });

      it('does not add declined pushes to wrong codes: two of each lock nothing', () => {
        const history = [
          ...base,
          denied('p1', '10:00:20', 'userDeclined', true),
          denied('p2', '10:00:21', 'wrongNumber', true),
          issued('c1', '10:00:30', '10:30:00'),
          denied('c1', '10:00:40'),
        ];
        spec.given(history).when(verify('c1', null, '10:00:50')).then([denied('c1', '10:00:50')]);
      });

      it('keeps counting declined pushes after a correct code: an approval clears only its own class', () => {
        const history = [
          ...base,
          denied('p1', '10:00:20', 'userDeclined', true),
          denied('p2', '10:00:21', 'userDeclined', true),
          issued('c1', '10:00:30', '10:30:00'),
          approved('c1', '10:00:40', 101),
        ];
        spec
          .given(history)
          .when(answer('p3', { kind: 'push', response: 'deny', numberMatches: false }, '10:00:50'))
          .then([denied('p3', '10:00:50', 'userDeclined', true), lockedOut('10:00:50', '10:15:50', ['p1', 'p2', 'p3'], 'push')]);
      });

      it('does not count an unanswered push (a timeout is for fatigue detection, not lockout)', () => {
        const history = [...base, denied('p1', '10:01:10', 'timeout', true), denied('p2', '10:01:12', 'timeout', true)];
        spec.given(history).when(answer('p3', { kind: 'push', response: 'deny', numberMatches: false }, '10:01:13')).then([denied('p3', '10:01:13', 'userDeclined', true)]);
      });
    });

    it('approves a call when the user presses #', () => {
      const open = [...given, issued('c1', '10:00:00', '10:05:00', 'voice', 'p1')];
      spec.given(open).when(answer('c1', { kind: 'voice', response: 'approve' }, '10:00:30')).then([approved('c1', '10:00:30', null, 'voice', 'p1')]);
    });

    it('denies a challenge whose method was removed meanwhile', () => {
      const removed: UserMfaEvent = { type: 'MethodRemoved', data: { userId, methodId: 'p1', methodType: 'phone', reason: null, at: at('10:00:10') } };
      spec
        .given([...given, issued('c1', '10:00:00', '10:03:00', 'sms', 'p1'), removed])
        .when(answer('c1', { kind: 'sentCode', matches: true }, '10:00:20'))
        .then([denied('c1', '10:00:20', 'methodDisabled', true, 'p1')]);
    });

    it('uses the default method when none is asked for', () => {
      const byDefault: UserMfaEvent = { type: 'DefaultMethodChanged', data: { userId, methodId: 'p1', at: at('09:02:00') } };
      spec.given([...given, byDefault]).when(issue('c1', '10:00:00')).then([issued('c1', '10:00:00', '10:03:00', 'sms', 'p1')]);
    });
  });

  describe('with the tenant policy', () => {
    const phone: UserMfaEvent = {
      type: 'MethodRegistered',
      data: { userId, methodId: 'p1', methodType: 'phone', displayName: null, timeStep: null, phoneNumber: '+447700900123', phoneType: 'mobile', at: at('09:01:00') },
    };
    const given = [added, registered, phone];
    const bypassed = (reason: 'trustedIp' | 'rememberedDevice' | 'mfaDisabled', time: string): UserMfaEvent => ({
      type: 'MfaBypassed',
      data: { ...attempt('c1', time, null as unknown as string), methodId: null, reason, sessionId: 'bypass-session', settingsVersion: 3 },
    });

    it('skips MFA from a trusted IP, recording why and with which settings', () => {
      spec.given(given).when(issue('c1', '10:00:00', { signIn: signIn({ trustedIp: true }) })).then([bypassed('trustedIp', '10:00:00')]);
    });

    it('skips MFA on a remembered device until the memory expires', () => {
      const remembered: UserMfaEvent = { type: 'DeviceRemembered', data: { userId, deviceTokenHash: hash, challengeId: 'c0', expiresAt: at('11:00:00'), at: at('09:30:00') } };
      spec.given([...given, remembered]).when(issue('c1', '10:00:00', { signIn: signIn({ deviceTokenHash: hash }) })).then([bypassed('rememberedDevice', '10:00:00')]);
      spec.given([...given, remembered]).when(issue('c1', '11:00:00', { signIn: signIn({ deviceTokenHash: hash }) })).then([issued('c1', '11:00:00', '11:05:00')]);
    });

    it('skips MFA for a user whose per-user state is disabled, but never for a locked-out user', () => {
      const disabled: UserMfaEvent = { type: 'UserMfaStateChanged', data: { userId, state: 'disabled', at: at('09:30:00') } };
      spec.given([...given, disabled]).when(issue('c1', '10:00:00')).then([bypassed('mfaDisabled', '10:00:00')]);
      const locked: UserMfaEvent = { type: 'AccountLockedOut', data: { userId, lockedUntil: at('10:30:00'), causedBy: [], settingsVersion: 2, at: at('09:59:00') } };
      spec.given([...given, disabled, locked]).when(issue('c1', '10:00:00', { signIn: signIn({ trustedIp: true }) })).then([issued('c1', '10:00:00', '10:05:00'), denied('c1', '10:00:00', 'lockedOut', true)]);
    });

    it('takes the first channel the tenant allows, and refuses a disabled one naming the methods left', () => {
      const noAppCode = signIn({ enabledChannels: ['sms', 'voice', 'appNotification', 'appPassword'] });
      spec.given(given).when(issue('c1', '10:00:00', { signIn: noAppCode })).then([issued('c1', '10:00:00', '10:01:00', 'appNotification')]);
      const smsOnly = signIn({ enabledChannels: ['sms', 'appPassword'] });
      spec.given(given).when(issue('c1', '10:00:00', { signIn: smsOnly })).thenThrows('METHOD_DISABLED');
      spec.given(given).when(issue('c1', '10:00:00', { methodId: 'p1', channel: 'voice', signIn: smsOnly })).thenThrows('METHOD_DISABLED');
    });

    it('denies an answer on a channel the tenant disabled after the challenge was issued', () => {
      spec
        .given([...given, issued('c1', '10:00:00', '10:03:00', 'sms', 'p1')])
        .when(answer('c1', { kind: 'sentCode', matches: true }, '10:01:00', policy, ['appCode', 'appPassword']))
        .then([denied('c1', '10:01:00', 'methodDisabled', true, 'p1')]);
    });

    it('refuses every sign-in of a blocked user, even from a trusted IP, until the block ends', () => {
      const blocked = signIn({ trustedIp: true, blockedUntil: at('12:00:00') });
      spec.given(given).when(issue('c1', '10:00:00', { signIn: blocked })).then([issued('c1', '10:00:00', '10:05:00'), denied('c1', '10:00:00', 'userBlocked', true)]);
      spec.given(given).when(issue('c1', '12:00:00', { signIn: signIn({ blockedUntil: at('12:00:00') }) })).then([issued('c1', '12:00:00', '12:05:00')]);
      const open = [...given, issued('c2', '10:00:00')];
      const verifyBlocked: SignInCommand = {
        type: 'VerifyChallenge',
        data: { userId, challengeId: 'c2', proof: { kind: 'appCode', matchedStep: 101 }, sessionId: 's1', policy, limits: roomy, enabledChannels: allChannels, rememberDevice: null, blockedUntil: at('12:00:00'), now: at('10:01:00') },
      };
      spec.given(open).when(verifyBlocked).then([denied('c2', '10:01:00', 'userBlocked', true)]);
    });

    it('requires registration again after an admin asked for it, until a method is registered', () => {
      const reset: UserMfaEvent = { type: 'MfaReregistrationRequired', data: { userId, removedMethodIds: ['m1', 'p1'], at: at('10:00:00') } };
      // an admin's demand allows no postponement, whatever the policy
      spec.given([...given, reset]).when(issue('c1', '10:01:00', { registration: { required: false, postponeDays: 14 } })).then([askedToRegister('c1', '10:01:00')]);
      spec.given([...given, reset, phone]).when(issue('c1', '10:01:00')).then([issued('c1', '10:01:00', '10:04:00', 'sms', 'p1')]);
    });
  });
  describe('rate limits (defaults: 10 challenges a minute; 5 pushes, 5 texts, 3 calls per 10 minutes; 5 answers a challenge)', () => {
    const active = [added, registered];
    const limits = defaultRateLimits;
    const lenient: LockoutPolicy = { ...policy, denialsBeforeLockout: 100 };
    const throttledEvent = (limit: 'challengesPerMinute' | 'pushesPerWindow' | 'attemptsPerChallenge', time: string, until: string, challengeId: string | null = null): UserMfaEvent => ({
      type: 'MfaThrottled',
      data: { userId, limit, challengeId, until: at(until), clientIp: '203.0.113.7', appId: null, at: at(time) },
    });
    const push = (challengeId: string, time: string) => issue(challengeId, time, { channel: 'appNotification', limits });
    const fivePushes = ['10:00:00', '10:02:00', '10:04:00', '10:06:00', '10:08:00'].map((time, index) => issued(`p${index}`, time, '10:30:00', 'appNotification'));

    describe('with 5 pushes in the last 10 minutes', () => {
      it('refuses a sixth push and records the episode once, until the oldest leaves the window', () => {
        spec.given([...active, ...fivePushes]).when(push('p5', '10:09:00')).then([throttledEvent('pushesPerWindow', '10:09:00', '10:10:00')]);
      });

      it('refuses without a record while the episode lasts', () => {
        spec.given([...active, ...fivePushes, throttledEvent('pushesPerWindow', '10:09:00', '10:10:00')]).when(push('p6', '10:09:30')).thenThrows('TOO_MANY_REQUESTS');
      });

      it('sends a push again once the window frees a slot', () => {
        spec
          .given([...active, ...fivePushes, throttledEvent('pushesPerWindow', '10:09:00', '10:10:00')])
          .when(push('p6', '10:10:00'))
          .then([{ ...issued('p6', '10:10:00', '10:11:00', 'appNotification') }]);
      });

      it('still issues an app code, which sends nothing', () => {
        spec.given([...active, ...fivePushes]).when(issue('c1', '10:09:00', { limits })).then([issued('c1', '10:09:00', '10:14:00')]);
      });

      it('starts a new episode when the limit refuses again after the last one ended', () => {
        const sixth = issued('p6', '10:10:00', '10:11:00', 'appNotification');
        spec
          .given([...active, ...fivePushes, throttledEvent('pushesPerWindow', '10:09:00', '10:10:00'), sixth])
          .when(push('p7', '10:10:30'))
          .then([throttledEvent('pushesPerWindow', '10:10:30', '10:12:00')]);
      });
    });

    describe('with 10 challenges in the last minute', () => {
      const ten = Array.from({ length: 10 }, (_, index) => issued(`c${index}`, `10:00:${String(index * 5).padStart(2, '0')}`, '10:05:00'));

      it('refuses an eleventh until the oldest is a minute old', () => {
        spec.given([...active, ...ten]).when(issue('c10', '10:00:50', { limits })).then([throttledEvent('challengesPerMinute', '10:00:50', '10:01:00')]);
        spec.given([...active, ...ten]).when(issue('c10', '10:01:00', { limits })).then([issued('c10', '10:01:00', '10:06:00')]);
      });
    });

    describe('with 10 sign-ins in the last minute answered without a second factor', () => {
      const prompts = Array.from({ length: 10 }, (_, index) => askedToRegister(`r${index}`, `10:00:${String(index * 5).padStart(2, '0')}`));

      it('refuses an eleventh registration prompt too, so a user without a method cannot have their stream grown by a loop', () => {
        spec.given(prompts).when(issue('r10', '10:00:50', { limits })).then([throttledEvent('challengesPerMinute', '10:00:50', '10:01:00')]);
        spec.given([...prompts, throttledEvent('challengesPerMinute', '10:00:50', '10:01:00')]).when(issue('r11', '10:00:55', { limits })).thenThrows('TOO_MANY_REQUESTS');
        spec.given(prompts).when(issue('r10', '10:01:00', { limits })).then([askedToRegister('r10', '10:01:00')]);
      });
    });

    describe('with a challenge answered wrong 4 times', () => {
      const wrong = [1, 2, 3, 4].map((n) => denied('c1', `10:00:0${n}`));
      const given = [...active, issued('c1', '10:00:00'), ...wrong];

      it('ends the challenge with the fifth wrong answer, recording the attempt limit, in one decision', () => {
        spec
          .given(given)
          .when(answer('c1', { kind: 'appCode', matchedStep: null }, '10:00:05', lenient, allChannels, limits))
          .then([denied('c1', '10:00:05', 'wrongCode', true), throttledEvent('attemptsPerChallenge', '10:00:05', '10:05:00', 'c1')]);
      });

      it('still approves a right fifth answer', () => {
        spec
          .given(given)
          .when(answer('c1', { kind: 'appCode', matchedStep: 101 }, '10:00:05', lenient, allChannels, limits))
          .then([approved('c1', '10:00:05', 101)]);
      });

      it('refuses a sixth answer: the challenge is finished', () => {
        const ended = [denied('c1', '10:00:05', 'wrongCode', true), throttledEvent('attemptsPerChallenge', '10:00:05', '10:05:00', 'c1')];
        spec.given([...given, ...ended]).when(answer('c1', { kind: 'appCode', matchedStep: 101 }, '10:00:06', lenient, allChannels, limits)).thenThrows('CHALLENGE_FINISHED');
      });

      it('locks and ends the challenge together when the fifth denial also reaches the lockout threshold', () => {
        const locking: LockoutPolicy = { ...policy, denialsBeforeLockout: 5 };
        spec
          .given(given)
          .when(answer('c1', { kind: 'appCode', matchedStep: null }, '10:00:05', locking, allChannels, limits))
          .then([denied('c1', '10:00:05', 'wrongCode', true), lockedOut('10:00:05', '10:15:05', ['c1', 'c1', 'c1', 'c1', 'c1']), throttledEvent('attemptsPerChallenge', '10:00:05', '10:05:00', 'c1')]);
      });
    });
  });

  describe('with an HOTP token whose counter is above 2^53 (2^60 + 5)', () => {
    // 2^60 + 5 and its neighbours are the same double: only exact counters tell them apart
    const counter = (offset: number) => (2n ** 60n + BigInt(offset)).toString();
    const token: UserMfaEvent = {
      type: 'HardwareTokenAssigned',
      data: { userId, methodId: 't1', serialNumber: 'BIG-1', manufacturer: null, model: null, secret, oathType: 'hotp', hashFunction: 'hmacsha1', digits: 8, period: null, counter: counter(5), at: at('09:00:00') },
    };
    const activated: UserMfaEvent = {
      type: 'MethodRegistered',
      data: { userId, methodId: 't1', methodType: 'hardwareOath', displayName: 'BIG-1', timeStep: counter(5), at: at('09:00:10') },
    };
    const onToken = (challengeId: string, time: string): UserMfaEvent => ({
      type: 'MfaChallengeIssued',
      data: { ...attempt(challengeId, time, 't1'), methodType: 'hardwareOath', channel: 'appCode', codeHash: null, expiresAt: at('10:05:00') },
    });
    const hotp = (challengeId: string, step: string, time: string) => answer(challengeId, { kind: 'appCode', matchedStep: step }, time);
    const approvedOnToken = (challengeId: string, time: string, step: string): UserMfaEvent => ({
      type: 'MfaApproved',
      data: { ...attempt(challengeId, time, 't1'), timeStep: step, channel: 'appCode', sessionId: 's1' },
    });
    const given = [token, activated];

    it('approves the next counter exactly, recording it as its decimal string, and denies the activation code as a replay', () => {
      spec.given([...given, onToken('c1', '10:00:00')]).when(hotp('c1', counter(6), '10:00:05')).then([approvedOnToken('c1', '10:00:05', counter(6))]);
      spec.given([...given, onToken('c1', '10:00:00')]).when(hotp('c1', counter(5), '10:00:05')).then([denied('c1', '10:00:05', 'replayedCode', false, 't1')]);
    });

    it('denies a counter that approved once, and approves one further ahead', () => {
      const history = [...given, onToken('c1', '10:00:00'), approvedOnToken('c1', '10:00:05', counter(6)), onToken('c2', '10:00:06')];
      spec.given(history).when(hotp('c2', counter(6), '10:00:07')).then([denied('c2', '10:00:07', 'replayedCode', false, 't1')]);
      spec.given(history).when(hotp('c2', counter(9), '10:00:07')).then([approvedOnToken('c2', '10:00:07', counter(9))]);
      expect(spec.given(history).state.methods.methods.t1).toMatchObject({ lastTimeStep: counter(6) });
    });
  });
});
