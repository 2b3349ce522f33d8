import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DomainError, RecordedEvent, RiskRemediationRequested, streams, UserBlocked } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, handleCommand } from '@bulwark/event-store';
import { ConsumerHost, Reaction, READ_DB } from '@bulwark/platform';
import { userSessionsDecider } from './user-sessions.decider';
import Database from 'better-sqlite3';
import { findSession, isKnownUser, SessionRow, sessionsProjection } from '../projections/sessions.projection';

export type SessionValidity = { valid: true; userId: string; createdAt: string } | { valid: false; reason: 'revoked' };

@Injectable()
export class SessionsService implements OnModuleInit {
  private readonly consumerName = `projection:${sessionsProjection.name}`;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_DB) private readonly db: Database.Database,
    private readonly consumers: ConsumerHost,
  ) {}

  onModuleInit(): void {
    this.consumers.registerProjection(sessionsProjection);
    // blocking a user ends every session they have, in the reaction to the block
    this.consumers.register(
      new Reaction('revoke-sessions-of-blocked-users', ['UserBlocked'], this.store, async (event) => {
        const { userId, reason } = (event as unknown as RecordedEvent<UserBlocked>).data;
        const now = new Date(event.metadata.occurredAt);
        await handleCommand(
          this.store,
          streams.userSessions(userId),
          userSessionsDecider,
          { type: 'RevokeSessions', data: { userId, reason: `user blocked: ${reason}`, now: now.toISOString() } },
          { correlationId: event.metadata.correlationId, causationId: event.eventId, actor: { type: 'system', id: 'sessions' }, now },
        );
      }),
    );
    // the risk policy's revokeSessions (identity-protection records the request; revoking is ours)
    this.consumers.register(
      new Reaction('revoke-sessions-on-risk-remediation', ['RiskRemediationRequested'], this.store, async (event) => {
        const { userId, actions, reportOnly, riskLevel } = (event as unknown as RecordedEvent<RiskRemediationRequested>).data;
        if (reportOnly || !actions.includes('revokeSessions')) return;
        const stream = streams.userSessions(userId);
        // a repeat of this reaction finds the revocation it already made
        if ((await this.store.readStream(stream)).some((done) => done.metadata.causationId === event.eventId)) return;
        const now = new Date(event.metadata.occurredAt);
        await handleCommand(
          this.store,
          stream,
          userSessionsDecider,
          { type: 'RevokeSessions', data: { userId, reason: `risk policy: user risk ${riskLevel}`, now: now.toISOString() } },
          { correlationId: event.metadata.correlationId, causationId: event.eventId, actor: { type: 'system', id: 'sessions' }, now },
        );
      }),
    );
  }

  /**
   * A session is looked up in the projection (waiting for it once on a miss, since the id is handed out as the
   * approval commits), but revocation is read from the user's stream itself: revoked means revoked at once.
   */
  async check(sessionId: string): Promise<SessionValidity> {
    const session = await this.lookup(sessionId, () => findSession(this.db, sessionId));
    if (!session) throw new DomainError('SESSION_NOT_FOUND', 'notFound', `no session ${sessionId}`);
    const revocations = await this.store.readStream(streams.userSessions(session.user_id));
    const revoked = revocations.some((event) => event.type === 'SessionsRevoked' && event.position > session.position);
    return revoked ? { valid: false, reason: 'revoked' } : { valid: true, userId: session.user_id, createdAt: session.created_at };
  }

  async assertKnownUser(userId: string): Promise<void> {
    const known = await this.lookup(userId, () => (isKnownUser(this.db, userId) ? true : null));
    if (!known) throw new DomainError('USER_NOT_FOUND', 'notFound', `no user ${userId} is known to the sessions service`);
  }

  private async lookup<T>(_: string, find: () => T | null): Promise<T | null> {
    const found = find();
    if (found !== null) return found;
    await this.consumers.catchUp(this.consumerName, 5_000);
    return find();
  }
}

export type { SessionRow };
