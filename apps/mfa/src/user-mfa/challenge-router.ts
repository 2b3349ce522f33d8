import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DomainError } from '@bulwark/contracts';
import { ConsumerHost, READ_DB } from '@bulwark/platform';
import Database from 'better-sqlite3';
import { challengeRoutesProjection, userOfChallenge } from '../projections/challenge-routes.projection';

/** Finds the user whose stream holds a challenge; on a miss it waits for the route projection to catch up once. */
@Injectable()
export class ChallengeRouter implements OnModuleInit {
  private readonly consumerName = `projection:${challengeRoutesProjection.name}`;

  constructor(@Inject(READ_DB) private readonly db: Database.Database, private readonly consumers: ConsumerHost) {}

  onModuleInit(): void {
    this.consumers.registerProjection(challengeRoutesProjection);
  }

  async userOf(challengeId: string): Promise<string> {
    const known = userOfChallenge(this.db, challengeId);
    if (known) return known;
    await this.consumers.catchUp(this.consumerName, 5_000);
    const caughtUp = userOfChallenge(this.db, challengeId);
    if (!caughtUp) throw new DomainError('CHALLENGE_NOT_FOUND', 'notFound', `no challenge ${challengeId}`);
    return caughtUp;
  }
}
