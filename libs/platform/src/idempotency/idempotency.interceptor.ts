import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { finalize, Observable, of } from 'rxjs';
import { AuthenticatedRequest } from '../auth';
import { ApiError } from '../errors';
import { logger } from '../observability/logging';
import { SealedBox } from '../sealed-box';
import { SEALED_BOX } from '../tokens';
import { fingerprintOf, IDEMPOTENT_WRITES, idempotencyKeyOf } from './idempotency-key';
import { IdempotencyStore, StoredAnswer } from './idempotency.store';

/** The headers that are part of an answer; request-id and client-request-id belong to each request and are not replayed. */
const REPLAYED_HEADERS = ['content-type', 'location', 'content-location', 'etag', 'last-modified', 'preference-applied'];

/**
 * `Idempotency-Key` on every POST, PUT, PATCH and DELETE (IETF httpapi draft): within 24 hours, a retry of the same
 * request by the same role gets the first answer again and runs nothing; the same key on another request gets 422;
 * a retry while the first is still running gets 409 (it does not wait: the client retries later).
 *
 * Every answer below 500 is kept, 4xx included, because a command refused (a validation error, a conflict) is
 * refused again the same way, except 429, which asks the client to try later. A 5xx, or a request that sent
 * nothing, gives the key back so that the retry runs. It runs after the RoleGuard: the key is scoped to the role,
 * and a request refused for its key keeps nothing.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly fingerprintKey: Buffer;

  constructor(
    private readonly store: IdempotencyStore,
    @Inject(SEALED_BOX) box: SealedBox,
  ) {
    this.fingerprintKey = box.derive('idempotency request fingerprint');
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!IDEMPOTENT_WRITES.has(request.method)) return next.handle();
    const key = idempotencyKeyOf(request.headers['idempotency-key']);
    if (key === null) return next.handle();
    const response = context.switchToHttp().getResponse<Response>();
    const scope = request.role ?? 'anonymous';
    const fingerprint = fingerprintOf(this.fingerprintKey, { method: request.method, url: request.originalUrl, contentType: request.headers['content-type'], body: request.body });
    const claim = this.store.claim(scope, key, fingerprint);
    switch (claim.outcome) {
      case 'reused':
        throw new ApiError(422, 'idempotencyKeyReused', 'this Idempotency-Key was sent with another request (method, path or body) in the last 24 hours: use a new key for a new request');
      case 'inProgress':
        throw new ApiError(409, 'idempotencyKeyInProgress', 'a request with this Idempotency-Key is still being processed: retry once it has been answered');
      case 'replay':
        return of(this.replay(claim.answer, response));
      case 'claimed':
        return next.handle().pipe(finalize(this.keepAnswer(scope, key, fingerprint, response)));
    }
  }

  /** Sets the first answer's status and headers; its body goes out through Nest's own reply, as the handler's would. */
  private replay(answer: StoredAnswer, response: Response): string | undefined {
    response.status(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
    response.setHeader('idempotent-replayed', 'true');
    // a string is sent as it is, with the stored Content-Type: the same bytes the first answer had
    return answer.body ?? undefined;
  }

  /**
   * Stores the answer when it is sent, success or error filter alike (both end in `response.send`), before the bytes
   * leave: a retry that arrives as soon as the client has the answer finds it. Returns what to do once the handler is done.
   */
  private keepAnswer(scope: string, key: string, fingerprint: string, response: Response): () => void {
    let settled = false;
    const send = response.send;
    const keep = (status: number, body: string | null) => {
      settled = true;
      try {
        if (status >= 500 || status === 429) this.store.release(scope, key);
        else this.store.complete(scope, key, fingerprint, { status, headers: replayedHeaders(response), body });
      } catch (error) {
        // the answer still goes out; only its retry will run again
        logger().error({ kind: 'error', err: error }, 'the answer of an Idempotency-Key could not be stored');
        this.releaseQuietly(scope, key);
      }
    };
    response.send = function (this: Response, body?: unknown) {
      // res.send(object) calls res.json, which calls res.send(string): only the last call holds the bytes
      if (!settled && (body === undefined || typeof body === 'string' || Buffer.isBuffer(body))) {
        keep(this.statusCode, body === undefined ? null : Buffer.isBuffer(body) ? body.toString('utf8') : body);
      }
      return send.call(this, body);
    } as Response['send'];
    // the reply (or the error filter) runs in the microtasks after the handler settles; if nothing was sent by then
    // (a stream, a client that left), nothing can be replayed and the key is given back
    return () => setImmediate(() => !settled && ((settled = true), this.releaseQuietly(scope, key)));
  }

  private releaseQuietly(scope: string, key: string): void {
    try {
      this.store.release(scope, key);
    } catch (error) {
      logger().error({ kind: 'error', err: error }, 'an Idempotency-Key could not be given back');
    }
  }
}

function replayedHeaders(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = response.getHeader(name);
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}
