/**
 * A refusal by the domain, with a stable code. It becomes an HTTP error only at the edge, in one exception
 * filter, by its kind: notFound → 404, conflict → 409, unprocessable → 422, invalid → 400.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: 'notFound' | 'conflict' | 'unprocessable' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A rate limit refused the request: 429 at the edge, with Retry-After (whole seconds until the window frees a slot)
 * and the code `tooManyRequests`. `limit` names the limit, for the message and the metrics.
 */
export class TooManyRequestsError extends DomainError {
  constructor(
    readonly limit: string,
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super('TOO_MANY_REQUESTS', 'conflict', message);
  }
}
