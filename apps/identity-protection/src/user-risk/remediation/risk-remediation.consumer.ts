import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { RecordedEvent, RiskDetected, RiskRemediationRequested, RiskyUserConfirmedCompromised, streams } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, handleCommand } from '@bulwark/event-store';
import { ConsumerHost, Reaction } from '@bulwark/platform';
import { userProtectionDecider } from '../../user-protection/user-protection.decider';
import { riskPolicyActor, UserRiskStreams } from '../user-risk.streams';

/** How long the risk policy blocks a user (Entra's default for a block from the MFA settings). */
const BLOCK_DAYS = 90;

/**
 * The user risk policy. On a detection or a confirmed compromise it evaluates the user's risk as it is now and,
 * when the policy says so for that level, records `RiskRemediationRequested` (caused by that event). Remediation
 * is then done by whoever owns it: the block here, through the user's protection stream; session revocation by
 * the sessions service; re-registration by the mfa service. In report-only mode nothing is done.
 */
@Injectable()
export class RiskRemediation implements OnModuleInit {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, private readonly consumers: ConsumerHost, private readonly risk: UserRiskStreams) {}

  onModuleInit(): void {
    this.consumers.register(
      new Reaction('risk-policy', ['RiskDetected', 'RiskyUserConfirmedCompromised'], this.store, async (event) => {
        const { userId } = (event as unknown as RecordedEvent<RiskDetected | RiskyUserConfirmedCompromised>).data;
        const policy = await this.risk.policy();
        const now = new Date(event.metadata.occurredAt);
        await this.risk.execute(
          userId,
          { type: 'EvaluateRiskPolicy', data: { userId, triggerEventId: event.eventId, policy, now: now.toISOString() } },
          { correlationId: event.metadata.correlationId, causationId: event.eventId, actor: riskPolicyActor, now },
        );
      }),
    );
    this.consumers.register(
      new Reaction('risk-remediation-block', ['RiskRemediationRequested'], this.store, async (event) => {
        const { userId, actions, reportOnly, riskLevel, detectionId } = (event as unknown as RecordedEvent<RiskRemediationRequested>).data;
        if (reportOnly || !actions.includes('block')) return;
        const stream = streams.userProtection(userId);
        // a repeat of this reaction finds the block it already made
        if ((await this.store.readStream(stream)).some((done) => done.metadata.causationId === event.eventId)) return;
        const now = new Date(event.metadata.occurredAt);
        await handleCommand(
          this.store,
          stream,
          userProtectionDecider,
          { type: 'BlockUser', data: { userId, reason: `Risk policy: user risk ${riskLevel} (detection ${detectionId})`, days: BLOCK_DAYS, now: now.toISOString() } },
          { correlationId: event.metadata.correlationId, causationId: event.eventId, actor: riskPolicyActor, now },
        );
      }),
    );
  }
}
