import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { BULWARK_CONFIG, BulwarkConfig, CLOCK, Clock, ConsumerHost, READ_DB } from '@bulwark/platform';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { expiredChallenges, openChallengesProjection } from '../../projections/open-challenges.projection';
import { UserMfaStreams } from '../user-mfa.streams';

/**
 * Closes challenges nobody answered in time: a push becomes `timeout`, anything else `expired`, so sign-in logs
 * show the outcome even when no request comes back. A late answer is judged the same way by the decider.
 */
@Injectable()
export class ChallengeExpiry implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ChallengeExpiry');
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<number> | null = null;

  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    private readonly consumers: ConsumerHost,
    private readonly streams: UserMfaStreams,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BULWARK_CONFIG) private readonly config: BulwarkConfig,
  ) {}

  onModuleInit(): void {
    this.consumers.registerProjection(openChallengesProjection);
  }

  onApplicationBootstrap(): void {
    const everyMs = this.config.expirySweepMs;
    if (everyMs > 0) {
      this.timer = setInterval(() => void this.sweep().catch((error: Error) => this.logger.error(`expiry sweep failed: ${error.message}`)), everyMs);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Expires what is due now; returns how many challenges it closed. One sweep at a time. */
  sweep(): Promise<number> {
    this.sweeping ??= this.expireDue().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async expireDue(): Promise<number> {
    const now = this.clock.now();
    let closed = 0;
    for (const { challenge_id: challengeId, user_id: userId } of expiredChallenges(this.db, now.toISOString(), 500)) {
      const { events } = await this.streams.signIn(
        userId,
        { type: 'ExpireChallenge', data: { userId, challengeId, now: now.toISOString() } },
        { correlationId: randomUUID(), actor: { type: 'system', id: 'challenge-expiry' }, now },
      );
      closed += events.length;
    }
    return closed;
  }
}
