import { Inject, Injectable } from '@nestjs/common';
import { SEALED_BOX, SealedBox } from '@bulwark/platform';
import { randomInt } from 'node:crypto';
import { codeMatches, generateNumericCode, hashCode } from '../phone/delivery/otp-code';

/**
 * The codes a challenge sends or shows: drawn from a CSPRNG, kept only as an HMAC bound to the challenge
 * (the pepper is derived from the data key, so a stolen event store alone cannot test guesses offline).
 */
@Injectable()
export class ChallengeCodes {
  private readonly pepper: Buffer;

  constructor(@Inject(SEALED_BOX) box: SealedBox) {
    this.pepper = box.derive('bulwark/challenge-codes/v1');
  }

  /** A code to text (6 digits) or the number a push asks the user to pick (10–99). */
  draw(channel: 'sms' | 'voice' | 'appNotification' | 'appCode'): string {
    if (channel === 'appNotification') return String(randomInt(10, 100));
    return generateNumericCode(6);
  }

  hash(challengeId: string, code: string): string {
    return hashCode(code, challengeId, this.pepper);
  }

  matches(challengeId: string, code: string, storedHash: string | null): boolean {
    return storedHash !== null && codeMatches(code, challengeId, this.pepper, storedHash);
  }
}
