import { Module } from '@nestjs/common';
import { DirectoryAuditsController } from './queries/directory-audits.controller';
import { SignInsController } from './queries/sign-ins.controller';
import { ReportsController } from './reports/reports.controller';

/** Sign-in logs, the directory audit log and the analysts' reports: projections of the event stream and the queries over them. */
@Module({ controllers: [SignInsController, DirectoryAuditsController, ReportsController] })
export class SignInLogsModule {}
