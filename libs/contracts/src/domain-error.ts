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
