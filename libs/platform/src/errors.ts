import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { DomainError, InvalidEventError, TooManyRequestsError, UnknownEventTypeError } from '@bulwark/contracts';
import { isStoreUnavailable, UnreadableEventError } from '@bulwark/event-store';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { logger, logRefusal } from './observability/logging';

/** Microsoft Graph's error body, used by every route so one client-side handler reads them all. */
export type ErrorBody = {
  error: { code: string; message: string; target?: string; details?: Array<{ code: string; message: string; target?: string }>; innerError: { 'request-id': string; date: string } };
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Array<{ code: string; message: string; target?: string }>,
  ) {
    super(message);
  }
}

const domainStatus: Record<DomainError['kind'], number> = { notFound: 404, conflict: 409, unprocessable: 422, invalid: 400 };

export function requestIdOf(request: Request | undefined): string {
  const header = request?.headers?.['x-request-id'];
  const given = typeof header === 'string' && /^[\w.-]{1,100}$/.test(header) ? header : null;
  return given ?? ((request as unknown as { requestId?: string })?.requestId ?? randomUUID());
}

export function errorBody(request: Request | undefined, code: string, message: string, details?: ErrorBody['error']['details']): ErrorBody {
  return {
    error: { code, message, ...(details?.length ? { details } : {}), innerError: { 'request-id': requestIdOf(request), date: new Date().toISOString() } },
  };
}

const httpCodes: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthenticated',
  403: 'accessDenied',
  404: 'itemNotFound',
  405: 'methodNotAllowed',
  409: 'conflict',
  413: 'requestTooLarge',
  415: 'unsupportedMediaType',
  422: 'unprocessableEntity',
  429: 'activityLimitReached',
};

@Catch()
export class AllErrorsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const { status, body, headers } = toResponse(exception, request);
    if (headers) response.set(headers);
    if (status >= 500) logger().error({ kind: 'error', requestId: requestIdOf(request), method: request.method, path: request.path, err: exception }, 'request failed');
    else logRefusal(request, status, body.error.code, body.error.message);
    response.status(status).json(body);
  }
}

/**
 * Graph's convention for every error code a client sees: camelCase (`lockedOut`, `badRequest`). Domain errors keep
 * their stable SCREAMING_SNAKE codes inside the services (deciders and their specifications); the edge writes them
 * the one way, `INVALID_CODE` → `invalidCode`.
 */
export function graphErrorCode(code: string): string {
  if (!/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(code)) return code;
  return code.toLowerCase().replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** How long a client waits before trying again when the store is unavailable (a lock held, a server unreachable). */
export const STORE_RETRY_AFTER_SECONDS = 5;

export function toResponse(exception: unknown, request: Request | undefined): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (exception instanceof ApiError) {
    return { status: exception.status, body: errorBody(request, exception.code, exception.message, exception.details) };
  }
  if (exception instanceof TooManyRequestsError) {
    return { status: 429, headers: { 'Retry-After': String(Math.max(1, exception.retryAfterSeconds)) }, body: errorBody(request, 'tooManyRequests', exception.message) };
  }
  if (exception instanceof DomainError) {
    return { status: domainStatus[exception.kind], body: errorBody(request, graphErrorCode(exception.code), exception.message) };
  }
  if (isStoreUnavailable(exception)) {
    // nothing was decided: the same request may succeed once the store is back (a lock released, a server reachable)
    return {
      status: 503,
      headers: { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) },
      body: errorBody(request, 'serviceUnavailable', `the event store is unavailable (${(exception as Error).message}); try again later`),
    };
  }
  if (exception instanceof UnreadableEventError) {
    // a stored event of this request's stream fails its contract: no decision is made on a history read in part;
    // an operator repairs or parks it (GET /health names it), so retrying soon does not help: no Retry-After
    return { status: 503, body: errorBody(request, 'unreadableEvent', exception.message) };
  }
  if (exception instanceof UnknownEventTypeError || exception instanceof InvalidEventError) {
    // a command produced an event its contract refuses: a bug, but nothing was stored
    return { status: 500, body: errorBody(request, 'generalException', exception.message) };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? exception.message);
    const code = status === HttpStatus.NOT_FOUND ? 'itemNotFound' : (httpCodes[status] ?? 'generalException');
    return { status, body: errorBody(request, code, status === 404 ? `no route ${request?.method} ${request?.path}` : message) };
  }
  // body-parser's errors carry a status and a type
  const parserError = exception as { status?: number; type?: string; message?: string; limit?: number };
  if (typeof parserError?.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
    const messages: Record<string, string> = {
      'entity.parse.failed': 'the request body is not valid JSON',
      'entity.too.large': `the request body is larger than the ${Math.round((parserError.limit ?? 65536) / 1024)} KiB limit`,
      'encoding.unsupported': 'unsupported content encoding',
      'charset.unsupported': 'unsupported charset',
    };
    return {
      status: parserError.status,
      body: errorBody(request, httpCodes[parserError.status] ?? 'badRequest', messages[parserError.type ?? ''] ?? parserError.message ?? 'bad request'),
    };
  }
  return { status: 500, body: errorBody(request, 'generalException', 'internal error') };
}
