import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ApiError } from '@bulwark/platform';
import express from 'express';
import { HardwareOathMethodsController } from './hardware-tokens/devices/hardware-oath-methods.controller';
import { IMPORT_LIMIT_BYTES, TokenDevicesController } from './hardware-tokens/devices/token-devices.controller';
import { TokenImportJob } from './hardware-tokens/token-import.job';
import { TokenInventory } from './hardware-tokens/token-inventory.service';
import { TokenInventoryProjection } from './projections/token-inventory.registration';
import { SignInPolicies } from './tenant-settings/sign-in-policy';
import { UserBlocks } from './user-mfa/user-blocks';
import { FraudAlertPolicy } from './user-mfa/fraud-alert-policy';
import { RequireReregistrationOnRisk } from './user-mfa/risk-remediation/require-reregistration.consumer';
import { UnlockAccountController } from './user-mfa/unlock-account/unlock-account.controller';
import { RevokeRememberedDevicesController } from './user-mfa/revoke-remembered-devices/revoke-remembered-devices.controller';
import { TenantSettingsController } from './tenant-settings/tenant-settings.controller';
import { UserRequirementsController } from './user-mfa/methods/user-requirements.controller';
import { ChangeLockoutSettingsController } from './lockout-settings/change-lockout-settings/change-lockout-settings.controller';
import { ChangeLockoutSettingsHandler } from './lockout-settings/change-lockout-settings/change-lockout-settings.handler';
import { ChangeRateLimitSettingsController } from './rate-limit-settings/change-rate-limit-settings/change-rate-limit-settings.controller';
import { ChangeRateLimitSettingsHandler } from './rate-limit-settings/change-rate-limit-settings/change-rate-limit-settings.handler';
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
import { MfaSettingsStreams } from './tenant-settings/mfa-settings.streams';
import { GreetingFiles } from './phone-call-settings/greeting-files';
import { GREETING_UPLOAD_LIMIT_BYTES, PhoneCallSettingsController } from './phone-call-settings/phone-call-settings.controller';
import { RegistrationPolicyController } from './registration-policy/registration-policy.controller';
import { AppPasswordPolicyController } from './app-password-policy/app-password-policy.controller';
import { SignInLogFieldsController } from './sign-in-log-fields/sign-in-log-fields.controller';

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
    ChangeRateLimitSettingsController,
    TokenDevicesController,
    TenantSettingsController,
    UserRequirementsController,
    UnlockAccountController,
    RevokeRememberedDevicesController,
    HardwareOathMethodsController,
    PhoneCallSettingsController,
    RegistrationPolicyController,
    AppPasswordPolicyController,
    SignInLogFieldsController,
  ],
  providers: [
    UserMfaStreams,
    MfaSettingsStreams,
    GreetingFiles,
    ChallengeRouter,
    ChallengeCodes,
    ChallengeDelivery,
    ChallengeExpiry,
    TokenInventory,
    SignInPolicies,
    UserBlocks,
    FraudAlertPolicy,
    RequireReregistrationOnRisk,
    TokenImportJob,
    TokenInventoryProjection,
    otpDeliveryProvider,
    RegisterPhoneHandler,
    RegisterAuthenticatorAppHandler,
    ActivateAuthenticatorAppHandler,
    IssueChallengeHandler,
    VerifyChallengeHandler,
    ReportSuspiciousActivityHandler,
    ChangeLockoutSettingsHandler,
    ChangeRateLimitSettingsHandler,
  ],
})
export class MfaModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // token files are uploaded as they are (CSV or PSKC XML), up to 5 MiB; every other body is JSON of at most 64 KiB
    const raw = express.raw({ type: () => true, limit: IMPORT_LIMIT_BYTES });
    const rawWithReason = (request: express.Request, response: express.Response, next: express.NextFunction) =>
      raw(request, response, (error?: unknown) => {
        if (!error) return next();
        const tooLarge = (error as { type?: string }).type === 'entity.too.large';
        next(tooLarge ? new ApiError(413, 'requestTooLarge', `the token file is larger than the ${IMPORT_LIMIT_BYTES / 1024} KiB limit; nothing was stored`) : error);
      });
    consumer
      .apply(rawWithReason)
      .forRoutes({ path: 'beta/directory/authenticationMethodDevices/hardwareOathDevices/imports', method: RequestMethod.POST });
    // custom voice messages arrive as multipart/form-data, read whole (at most 1 MiB of audio) and parsed by the controller
    const greeting = express.raw({ type: () => true, limit: GREETING_UPLOAD_LIMIT_BYTES });
    const greetingWithReason = (request: express.Request, response: express.Response, next: express.NextFunction) =>
      greeting(request, response, (error?: unknown) => {
        if (!error) return next();
        const tooLarge = (error as { type?: string }).type === 'entity.too.large';
        next(tooLarge ? new ApiError(413, 'requestTooLarge', 'the upload is larger than a voice message may be: at most 1 MiB (1,048,576 bytes) of WAV or MP3; nothing was stored') : error);
      });
    consumer.apply(greetingWithReason).forRoutes({ path: 'v1/settings/phoneCall/greetings', method: RequestMethod.POST });
  }
}
