import { UserMfaEvent } from '@bulwark/contracts';

/**
 * A user's MFA history of `signIns` sign-ins, each a challenge issued, a wrong code and an approval, after one
 * authenticator app was registered: the long stream the snapshot tests and the cold-fold bench fold.
 */
export function* signInHistory(userId: string, signIns: number, start = Date.parse('2026-01-01T00:00:00.000Z')): Generator<UserMfaEvent> {
  const at = (seconds: number) => new Date(start + seconds * 1000).toISOString();
  const secret = { keyId: 'k', iv: 'iv', tag: 'tag', ciphertext: 'c' };
  yield { type: 'AuthenticatorAppAdded', data: { userId, methodId: 'm1', secret, algorithm: 'SHA1', digits: 6, period: 30, displayName: null, pushEnabled: true, at: at(0) } };
  yield { type: 'MethodRegistered', data: { userId, methodId: 'm1', methodType: 'softwareOath', displayName: null, timeStep: 1, at: at(1) } };
  for (let i = 0; i < signIns; i++) {
    const base = 60 + i * 60;
    const attempt = (seconds: number) => ({ userId, challengeId: `c${i}`, methodId: 'm1', clientIp: '203.0.113.7', userAgent: null, appId: null, at: at(base + seconds) });
    yield { type: 'MfaChallengeIssued', data: { ...attempt(0), methodType: 'softwareOath', channel: 'appCode', codeHash: null, expiresAt: at(base + 300) } };
    yield { type: 'MfaDenied', data: { ...attempt(5), reason: 'wrongCode', endsChallenge: false } };
    yield { type: 'MfaApproved', data: { ...attempt(10), timeStep: 2 + i * 2, channel: 'appCode', sessionId: `s${i}` } };
  }
}
