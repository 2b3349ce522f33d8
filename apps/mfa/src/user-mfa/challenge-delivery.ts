import { Inject, Injectable, Logger } from '@nestjs/common';
import { VoiceMessageType } from '@bulwark/contracts';
import { GreetingFiles } from '../phone-call-settings/greeting-files';
import { greetingFor } from '../phone-call-settings/phone-call-settings.decider';
import { OTP_DELIVERY, OtpDeliveryProvider, VoiceGreeting } from '../phone/delivery/otp-delivery.port';
import { MfaSettingsStreams } from '../tenant-settings/mfa-settings.streams';
import { FraudAlertPolicy } from './fraud-alert-policy';

export type ChallengeMessage = {
  channel: 'sms' | 'voice';
  challengeId: string;
  userId: string;
  to: string;
  code: string;
  expiresAt: string;
  /** BCP 47, from the sign-in; null: the provider's default language and the standard messages */
  language: string | null;
};

/**
 * Hands a committed challenge's code to the phone provider. A failed delivery leaves the challenge open (it
 * expires on its own) and is reported to the caller, which may ask for a new challenge; nothing is retried here
 * beyond the provider's own retries, so a sign-in never waits on a dead provider for long.
 */
@Injectable()
export class ChallengeDelivery {
  private readonly logger = new Logger('ChallengeDelivery');

  constructor(
    @Inject(OTP_DELIVERY) private readonly provider: OtpDeliveryProvider,
    private readonly fraud: FraudAlertPolicy,
    private readonly settings: MfaSettingsStreams,
    private readonly files: GreetingFiles,
  ) {}

  async send(message: ChallengeMessage): Promise<{ status: 'sent' | 'failed'; reason?: string }> {
    const locale = message.language ? { locale: message.language } : {};
    try {
      if (message.channel === 'sms') {
        await this.provider.deliver({ kind: 'sms', challengeId: message.challengeId, userId: message.userId, to: message.to, code: message.code, expiresAt: message.expiresAt, ...locale });
      } else {
        const fraud = await this.fraud.settings();
        const phoneCall = await this.settings.phoneCall();
        // Entra plays the fraud greeting (press 0# to report) when reporting is on, the plain greeting otherwise
        const messageType: VoiceMessageType = fraud.reportSuspiciousActivity === 'enabled' ? 'fraudGreeting' : 'greeting';
        await this.provider.deliver({
          kind: 'voice',
          challengeId: message.challengeId,
          userId: message.userId,
          to: message.to,
          code: null,
          expiresAt: message.expiresAt,
          fraudCode: fraud.voiceReportingCode,
          callerId: phoneCall.callerId,
          greeting: await this.greeting(greetingFor(phoneCall, messageType, message.language), message.challengeId),
          ...locale,
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

  /** The recording, read back and checked against its hash; a missing or altered file falls back to the standard message. */
  private async greeting(chosen: ReturnType<typeof greetingFor>, challengeId: string): Promise<VoiceGreeting | null> {
    if (!chosen) return null;
    try {
      return { messageType: chosen.messageType, language: chosen.language, contentType: chosen.contentType, data: await this.files.get(chosen.sha256) };
    } catch (error) {
      this.logger.warn(`greeting ${chosen.greetingId} for challenge ${challengeId} unreadable, the standard message plays: ${(error as Error).message}`);
      return null;
    }
  }
}
