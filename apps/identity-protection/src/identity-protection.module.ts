import { Module } from '@nestjs/common';
import { IdentityProtectionController } from './queries/identity-protection.controller';
import { BlockUserController } from './user-protection/block-user/block-user.controller';
import { FraudAlertController } from './fraud-alert/fraud-alert.controller';
import { NotificationSettingsController } from './notifications/change-notification-settings/notification-settings.controller';
import { notificationProviders } from './notifications/notifications.providers';

/** Risk detections, risky users and locked users: projections of the users' MFA events; admin notifications. */
@Module({
  controllers: [IdentityProtectionController, BlockUserController, FraudAlertController, NotificationSettingsController],
  providers: notificationProviders,
})
export class IdentityProtectionModule {}
