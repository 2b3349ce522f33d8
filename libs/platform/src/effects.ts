import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RecordedEvent } from '@bulwark/contracts';
import { EVENT_STORE, EventStore } from '@bulwark/event-store';
import type { Request, Response } from 'express';
import { from, Observable, switchMap } from 'rxjs';
import { ApiError } from './errors';
import { ConsumerHost } from './projection-host';

const COMMAND_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const AWAITS_EFFECTS = 'bulwark:awaitsEffects';

/**
 * Marks a command route whose answer must wait for the reactions it sets off: a block (sessions revoked), a report
 * of suspicious activity or a fraud report (detection, risk policy, remediation), a triage, a revocation. Other
 * routes (a verify, a challenge) answer as soon as their own append is durable: they pay no scan and no wait.
 */
export const AwaitsEffects = () => SetMetadata(AWAITS_EFFECTS, true);

/** How long a command's answer waits for the reactions it set off before it answers 503 rather than a false 200. */
export const EFFECTS_TIMEOUT_MS = 5_000;

export class EffectsPendingError extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super(503, 'serviceUnavailable', 'the command is recorded but its effects (such as revoked sessions) are not applied yet: retry it, repeating it is safe');
  }
}

/**
 * "When a block, a revocation or a risk remediation answers, every check after it already sees it" (issue 13 §5).
 * Some effects of a command are reactions (a block revokes sessions; a report of suspicious activity is a
 * detection, which the risk policy may turn into a block and a revocation). A command route's answer therefore
 * waits for the chain of events it caused, in this process: the events the request appended (their causation id
 * is the request id), then every event a reaction appended because of one of those, and so on, until each
 * reaction of the process has handled the last of them. A request that appended nothing answers at once.
 *
 * A reaction appends what an event causes before its position moves past that event, so once every reaction
 * has passed the chain's last event, any further link of the chain is already in the store: the scan is exact.
 * Reactions of other processes (distributed mode) are not seen here: those commands wait for their own effects.
 */
@Injectable()
export class CommandEffects {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, private readonly consumers: ConsumerHost) {}

  /** The store's head, taken before the command runs: where the scan for what it appended starts. */
  head(): Promise<number> {
    return this.store.headPosition();
  }

  /** Waits until the reactions of this process have applied everything caused by `requestId` after `from`. */
  async settle(requestId: string, from: number, timeoutMs = EFFECTS_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const causes = new Set([requestId]);
    let scanned = from;
    for (;;) {
      const { last, through } = await this.scan(causes, scanned);
      scanned = through;
      if (last === null) return;
      await this.reactionsReached(last, deadline);
    }
  }

  /** Adds to `causes` the ids of the events after `after` caused by one of them; the last such position, if any. */
  private async scan(causes: Set<string>, after: number): Promise<{ last: number | null; through: number }> {
    let last: number | null = null;
    let through = after;
    for (;;) {
      const page: RecordedEvent[] = await this.store.readAll({ after: through, maxCount: 500 });
      for (const event of page) {
        if (event.metadata.causationId === null || !causes.has(event.metadata.causationId)) continue;
        causes.add(event.eventId);
        last = event.position;
      }
      if (page.length < 500) return { last, through: page.length ? page[page.length - 1]!.position : through };
      through = page[page.length - 1]!.position;
    }
  }

  private async reactionsReached(position: number, deadline: number): Promise<void> {
    for (;;) {
      const behind = this.consumers.watched().filter((state) => state.kind === 'reaction' && state.position < position);
      if (!behind.length) return;
      if (behind.some((state) => state.status === 'failed') || Date.now() >= deadline) {
        throw new EffectsPendingError(1);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

/** Makes the answer of a command route marked `@AwaitsEffects()` wait for the command's effects (see CommandEffects). */
@Injectable()
export class CommandEffectsInterceptor implements NestInterceptor {
  constructor(private readonly effects: CommandEffects, private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    if (!this.reflector.getAllAndOverride<boolean>(AWAITS_EFFECTS, [context.getHandler(), context.getClass()])) return next.handle();
    const request = context.switchToHttp().getRequest<Request & { requestId?: string }>();
    const requestId = request.requestId;
    if (!COMMAND_METHODS.has(request.method) || !requestId) return next.handle();
    return from(this.effects.head()).pipe(
      switchMap((before) => next.handle().pipe(switchMap((answer) => from(this.settled(context, requestId, before).then(() => answer))))),
    );
  }

  private async settled(context: ExecutionContext, requestId: string, before: number): Promise<void> {
    try {
      await this.effects.settle(requestId, before);
    } catch (error) {
      if (error instanceof EffectsPendingError) context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
  }
}
