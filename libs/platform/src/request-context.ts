import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Actor } from '@bulwark/contracts';
import { randomUUID } from 'node:crypto';
import { AuthenticatedRequest } from './auth';

/** traceparent: the request's W3C trace context (see observability/tracing.ts), carried into the events' metadata */
export type RequestContext = { actor: Actor; correlationId: string; causationId: string; traceparent?: string };

/**
 * The caller as an event's actor; the correlation id (the client's `client-request-id`, else the request id);
 * the request id as the causation id of every event the request appends; and the request's traceparent, if any.
 */
export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest & { requestId?: string; traceparent?: string }>();
  const header = request.headers['client-request-id'] ?? request.headers['x-correlation-id'];
  const requestId = request.requestId ?? randomUUID();
  const correlationId = typeof header === 'string' && /^[\w.:-]{1,100}$/.test(header) ? header : requestId;
  return {
    actor: { type: request.role ?? 'system', id: `key:${request.role ?? 'none'}` },
    correlationId,
    causationId: requestId,
    ...(request.traceparent ? { traceparent: request.traceparent } : {}),
  };
});
