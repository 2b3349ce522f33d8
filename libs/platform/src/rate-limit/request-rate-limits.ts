import { Inject, Injectable } from '@nestjs/common';
import { TooManyRequestsError } from '@bulwark/contracts';
import { CLOCK, Clock } from '../clock';
import { BulwarkConfig } from '../config';
import { BULWARK_CONFIG } from '../tokens';
import { TokenBuckets } from './token-buckets';

/**
 * The limits over all users of sign-in routes (challenge issuance and verification): per client IP (the signing-in
 * user's address) and per app key (the caller). Kept in this process: see TokenBuckets for what holds across several.
 */
@Injectable()
export class RequestRateLimits {
  private readonly perIp: TokenBuckets;
  private readonly perAppKey: TokenBuckets;

  constructor(@Inject(BULWARK_CONFIG) config: BulwarkConfig, @Inject(CLOCK) private readonly clock: Clock) {
    this.perIp = new TokenBuckets(config.rateLimits.perClientIp);
    this.perAppKey = new TokenBuckets(config.rateLimits.perAppKey);
  }

  /** Takes a token of the client IP's bucket, or refuses with 429 and Retry-After. */
  clientIp(ip: string): void {
    const taken = this.perIp.take(ip, this.clock.now().getTime());
    if (!taken.allowed) {
      const { burst, perMinute } = this.perIp.spec;
      throw new TooManyRequestsError('perClientIp', taken.retryAfterSeconds, `rate limit perClientIp reached: at most ${burst} sign-in requests at once from ${ip}, then ${perMinute} a minute; try again in ${taken.retryAfterSeconds} s`);
    }
  }

  /** Takes a token of the calling key's bucket (its actor id, never the key), or refuses with 429 and Retry-After. */
  appKey(actorId: string): void {
    const taken = this.perAppKey.take(actorId, this.clock.now().getTime());
    if (!taken.allowed) {
      const { burst, perMinute } = this.perAppKey.spec;
      throw new TooManyRequestsError('perAppKey', taken.retryAfterSeconds, `rate limit perAppKey reached: at most ${burst} sign-in requests at once for this key, then ${perMinute} a minute; try again in ${taken.retryAfterSeconds} s`);
    }
  }
}
