import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { RecordedEvent, SuspiciousActivityReported } from '@bulwark/contracts';
import { EVENT_STORE, EventStore } from '@bulwark/event-store';
import { ConsumerHost, Reaction } from '@bulwark/platform';
import { detectionIdOf, detectorActor, UserRiskStreams } from '../user-risk.streams';

/**
 * A user's report of suspicious activity (an MFA request they did not start) is an offline detection of high risk,
 * as Entra records it: userReportedSuspiciousActivity, source endUserReported.
 */
@Injectable()
export class FraudReportDetection implements OnModuleInit {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, private readonly consumers: ConsumerHost, private readonly risk: UserRiskStreams) {}

  onModuleInit(): void {
    this.consumers.register(new Reaction('risk-detection-on-fraud-report', ['SuspiciousActivityReported'], this.store, (event) => this.detect(event as unknown as RecordedEvent<SuspiciousActivityReported>)));
  }

  private async detect(event: RecordedEvent<SuspiciousActivityReported>): Promise<void> {
    const { userId, challengeId, clientIp, userAgent, appId, at } = event.data;
    const now = new Date(event.metadata.occurredAt);
    const additionalInfo: Record<string, string> = { correlationId: event.metadata.correlationId };
    if (userAgent) additionalInfo.userAgent = userAgent;
    if (appId) additionalInfo.appId = appId;
    await this.risk.execute(
      userId,
      {
        type: 'RecordDetection',
        data: {
          detectionId: detectionIdOf('userReportedSuspiciousActivity', event.eventId),
          userId,
          riskEventType: 'userReportedSuspiciousActivity',
          riskLevel: 'high',
          detectionTimingType: 'offline',
          source: 'endUserReported',
          activity: 'signin',
          ipAddress: clientIp,
          eventIds: [event.eventId],
          requestId: challengeId,
          detail: 'The user reported an MFA request they did not start as suspicious activity',
          additionalInfo,
          activityAt: at,
          at: now.toISOString(),
        },
      },
      { correlationId: event.metadata.correlationId, causationId: event.eventId, actor: detectorActor, now },
    );
  }
}
