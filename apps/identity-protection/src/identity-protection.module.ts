import { Module } from '@nestjs/common';
import { IdentityProtectionController } from './queries/identity-protection.controller';

/** Risk detections, risky users and locked users: projections of the users' MFA events. */
@Module({ controllers: [IdentityProtectionController] })
export class IdentityProtectionModule {}
