import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, Clock, RequestContext } from '@bulwark/platform';
import { ChallengeRouter } from '../challenge-router';
import { UserMfaStreams } from '../user-mfa.streams';
import { FraudAlertPolicy } from '../fraud-alert-policy';

export type SuspiciousActivityReport = { status: 'denied'; reason: 'fraudReported'; retryAllowed: false };

export class ReportSuspiciousActivityCommand extends Command<SuspiciousActivityReport> {
  constructor(readonly challengeId: string, readonly caller: RequestContext) {
    super();
  }
}

@CommandHandler(ReportSuspiciousActivityCommand)
export class ReportSuspiciousActivityHandler implements ICommandHandler<ReportSuspiciousActivityCommand> {
  constructor(
    private readonly streams: UserMfaStreams,
    private readonly router: ChallengeRouter,
    private readonly fraud: FraudAlertPolicy,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ challengeId, caller }: ReportSuspiciousActivityCommand): Promise<SuspiciousActivityReport> {
    const userId = await this.router.userOf(challengeId);
    const now = this.clock.now();
    const settings = await this.fraud.settings();
    const reportingEnabled = settings.reportSuspiciousActivity === 'enabled';
    const data = { userId, challengeId, reportingEnabled, autoBlockOnFraud: settings.autoBlockOnFraud, now: now.toISOString() };
    await this.streams.signIn(userId, { type: 'ReportSuspiciousActivity', data }, { ...caller, now });
    return { status: 'denied', reason: 'fraudReported', retryAllowed: false };
  }
}
