import { Module } from '@nestjs/common';
import { IdentityProtectionController } from './queries/identity-protection.controller';
import { BlockUserController } from './user-protection/block-user/block-user.controller';

/** Risk detections, risky users and locked users: projections of the users' MFA events. */
@Module({ controllers: [IdentityProtectionController, BlockUserController] })
export class IdentityProtectionModule {}
