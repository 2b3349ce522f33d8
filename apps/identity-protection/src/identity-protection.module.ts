import { Module } from '@nestjs/common';
import { IdentityProtectionController } from './queries/identity-protection.controller';
import { BlockUserController } from './user-protection/block-user/block-user.controller';
import { FraudAlertController } from './fraud-alert/fraud-alert.controller';

/** Risk detections, risky users and locked users: projections of the users' MFA events. */
@Module({ controllers: [IdentityProtectionController, BlockUserController, FraudAlertController] })
export class IdentityProtectionModule {}
