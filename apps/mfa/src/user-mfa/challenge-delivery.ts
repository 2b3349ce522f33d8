import { Inject, Injectable, Logger } from '@nestjs/common';
import { OTP_DELIVERY, OtpDeliveryProvider } from '../phone/delivery/otp-delivery.port';
import { FraudAlertPolicy } from './fraud-alert-policy';

export type ChallengeMessage = { channel: 'sms' | 'voice'; challengeId: string; userId: string; to: string; code: string; expiresAt: string };

/**
 * Hands a committed challenge's code to the phone provider. A failed delivery leaves the challenge open (it
 * expires on its own) and is reported to the caller, which may ask for a new challenge; nothing is retried here
 * beyond the provider's own retries, so a sign-in never waits on a dead provider for long.
 */
@Injectable()
export class ChallengeDelivery {
  private readonly logger = new Logger('ChallengeDelivery');

  constructor(@Inject(OTP_DELIVERY) private readonly provider: OtpDeliveryProvider, private readonly fraud: FraudAlertPolicy) {}

  async send(message: ChallengeMessage): Promise<{ status: 'sent' | 'failed'; reason?: string }> {
    try {
      if (message.channel === 'sms') {
        await this.provider.deliver({ kind: 'sms', challengeId: message.challengeId, userId: message.userId, to: message.to, code: message.code, expiresAt: message.expiresAt });
      } else {
        await this.provider.deliver({
          kind: 'voice',
          challengeId: message.challengeId,
          userId: message.userId,
          to: message.to,
          code: null,
          expiresAt: message.expiresAt,
          fraudCode: (await this.fraud.settings()).voiceReportingCode,
          callerId: null,
          greeting: null,
        });
      }
      return { status: 'sent' };
    } catch (error) {
      // the provider's error names no code or body (see the adapters); the message is safe to log and return
      const reason = error instanceof Error ? error.message : 'delivery failed';
      this.logger.warn(`${message.channel} for challenge ${message.challengeId} not delivered: ${reason}`);
      return { status: 'failed', reason };
    }
  }
}
