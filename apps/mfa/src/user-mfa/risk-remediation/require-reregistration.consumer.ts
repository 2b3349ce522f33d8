import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DomainError, RecordedEvent, RiskRemediationRequested, streams } from '@bulwark/contracts';
import { EVENT_STORE, EventStore } from '@bulwark/event-store';
import { ConsumerHost, Reaction } from '@bulwark/platform';
import { UserMfaStreams } from '../user-mfa.streams';

/**
 * The risk policy's requireReregistration (identity-protection records the request): the same command as the admin's
 * `POST /v1/users/{id}/authentication/requireReregistration`, caused by the remediation request.
 */
@Injectable()
export class RequireReregistrationOnRisk implements OnModuleInit {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, private readonly consumers: ConsumerHost, private readonly streams: UserMfaStreams) {}

  onModuleInit(): void {
    this.consumers.register(
      new Reaction('require-reregistration-on-risk-remediation', ['RiskRemediationRequested'], this.store, async (event) => {
        const { userId, actions, reportOnly } = (event as unknown as RecordedEvent<RiskRemediationRequested>).data;
        if (reportOnly || !actions.includes('requireReregistration')) return;
        // a repeat of this reaction finds the re-registration it already required
        if ((await this.store.readStream(streams.userMfa(userId))).some((done) => done.metadata.causationId === event.eventId)) return;
        const now = new Date(event.metadata.occurredAt);
        try {
          await this.streams.execute(
            userId,
            { type: 'RequireReregistration', data: { userId, now: now.toISOString() } },
            { correlationId: event.metadata.correlationId, causationId: event.eventId, actor: { type: 'system', id: 'mfa' }, now },
          );
        } catch (error) {
          // a user with no MFA registration has no method to remove: nothing to do, and no reason to stop the reaction
          if (error instanceof DomainError && error.kind === 'notFound') return;
          throw error;
        }
      }),
    );
  }
}
