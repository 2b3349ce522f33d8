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

/**
 * Users' risk (`user_risk-<userId>`: detections, triage, the risk policy), admin blocks, fraud alert settings, and
 * the read models of risk detections, risky users and locked users.
 */
@Module({
  controllers: [IdentityProtectionController, TriageController, RiskyUsersController, BlockUserController, FraudAlertController, RiskSettingsController],
  providers: [UserRiskStreams, FraudReportDetection, StreamDetections, RiskRemediation],
})
export class IdentityProtectionModule {}
