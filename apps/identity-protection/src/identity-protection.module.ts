import { Module } from '@nestjs/common';
import { IdentityProtectionController } from './queries/identity-protection.controller';
import { BlockUserController } from './user-protection/block-user/block-user.controller';
import { FraudAlertController } from './fraud-alert/fraud-alert.controller';
import { RiskSettingsController } from './risk-settings/risk-settings.controller';
import { FraudReportDetection } from './user-risk/fraud-report-detection/fraud-report-detection.consumer';
import { RiskRemediation } from './user-risk/remediation/risk-remediation.consumer';
import { RiskyUsersController } from './user-risk/risky-users/risky-users.controller';
import { StreamDetections } from './user-risk/stream-detections/stream-detections.consumer';
import { TriageController } from './user-risk/triage/triage.controller';
import { UserRiskStreams } from './user-risk/user-risk.streams';

import { NotificationSettingsController } from './notifications/change-notification-settings/notification-settings.controller';
import { notificationProviders } from './notifications/notifications.providers';

/**
 * Users' risk (`user_risk-<userId>`: detections, triage, the risk policy), admin blocks, fraud alert settings, admin
 * notifications, and the read models of risk detections, risky users and locked users.
 */
@Module({
  controllers: [IdentityProtectionController, TriageController, RiskyUsersController, BlockUserController, FraudAlertController, RiskSettingsController, NotificationSettingsController],
  providers: [UserRiskStreams, FraudReportDetection, StreamDetections, RiskRemediation, ...notificationProviders],
})
export class IdentityProtectionModule {}
