import { Module } from '@nestjs/common';
import { DirectoryAuditsController } from './queries/directory-audits.controller';
import { SignInsController } from './queries/sign-ins.controller';

/** Sign-in logs and the directory audit log: projections of the event stream and the analysts' queries over them. */
@Module({ controllers: [SignInsController, DirectoryAuditsController] })
export class SignInLogsModule {}
