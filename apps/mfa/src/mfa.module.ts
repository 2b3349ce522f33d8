import { Module } from '@nestjs/common';
import { ChangeLockoutSettingsController } from './lockout-settings/change-lockout-settings/change-lockout-settings.controller';
import { ChangeLockoutSettingsHandler } from './lockout-settings/change-lockout-settings/change-lockout-settings.handler';
import { ActivateAuthenticatorAppController } from './user-mfa/activate-authenticator-app/activate-authenticator-app.controller';
import { ActivateAuthenticatorAppHandler } from './user-mfa/activate-authenticator-app/activate-authenticator-app.handler';
import { ChallengeRouter } from './user-mfa/challenge-router';
import { IssueChallengeController } from './user-mfa/issue-challenge/issue-challenge.controller';
import { IssueChallengeHandler } from './user-mfa/issue-challenge/issue-challenge.handler';
import { RegisterAuthenticatorAppController } from './user-mfa/register-authenticator-app/register-authenticator-app.controller';
import { RegisterAuthenticatorAppHandler } from './user-mfa/register-authenticator-app/register-authenticator-app.handler';
import { ReportSuspiciousActivityController } from './user-mfa/report-suspicious-activity/report-suspicious-activity.controller';
import { ReportSuspiciousActivityHandler } from './user-mfa/report-suspicious-activity/report-suspicious-activity.handler';
import { UserMfaStreams } from './user-mfa/user-mfa.streams';
import { otpDeliveryProvider } from './phone/delivery/delivery.provider';
import { AnswerCallController } from './user-mfa/answer-call/answer-call.controller';
import { AnswerPushController } from './user-mfa/answer-push/answer-push.controller';
import { AppPasswordsController } from './user-mfa/app-passwords/app-passwords.controller';
import { ChallengeCodes } from './user-mfa/challenge-codes';
import { ChallengeDelivery } from './user-mfa/challenge-delivery';
import { ChallengeExpiry } from './user-mfa/expire-challenges/challenge-expiry.service';
import { MethodsController } from './user-mfa/methods/methods.controller';
import { RegisterPhoneController } from './user-mfa/register-phone/register-phone.controller';
import { RegisterPhoneHandler } from './user-mfa/register-phone/register-phone.handler';
import { VerifyChallengeController } from './user-mfa/verify-challenge/verify-challenge.controller';
import { VerifyChallengeHandler } from './user-mfa/verify-challenge/verify-challenge.handler';

/** Authentication methods and MFA verification: the only writer of users' MFA streams. */
@Module({
  controllers: [
    RegisterAuthenticatorAppController,
    ActivateAuthenticatorAppController,
    IssueChallengeController,
    VerifyChallengeController,
    ReportSuspiciousActivityController,
    AnswerPushController,
    AnswerCallController,
    RegisterPhoneController,
    MethodsController,
    AppPasswordsController,
    ChangeLockoutSettingsController,
  ],
  providers: [
    UserMfaStreams,
    ChallengeRouter,
    ChallengeCodes,
    ChallengeDelivery,
    ChallengeExpiry,
    otpDeliveryProvider,
    RegisterPhoneHandler,
    RegisterAuthenticatorAppHandler,
    ActivateAuthenticatorAppHandler,
    IssueChallengeHandler,
    VerifyChallengeHandler,
    ReportSuspiciousActivityHandler,
    ChangeLockoutSettingsHandler,
  ],
})
export class MfaModule {}
