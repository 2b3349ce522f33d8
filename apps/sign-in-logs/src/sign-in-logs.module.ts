import { Module } from '@nestjs/common';
import { SignInsController } from './queries/sign-ins.controller';

/** Sign-in logs: projections of MFA attempts and the analysts' queries over them. */
@Module({ controllers: [SignInsController] })
export class SignInLogsModule {}
