import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Actor } from '@bulwark/contracts';
import { randomUUID } from 'node:crypto';
import { AuthenticatedRequest } from './auth';

export type RequestContext = { actor: Actor; correlationId: string };

/** The caller as an event's actor, and the correlation id (the client's `client-request-id`, else a new one). */
export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest & { requestId?: string }>();
  const header = request.headers['client-request-id'] ?? request.headers['x-correlation-id'];
  const correlationId = typeof header === 'string' && /^[\w.:-]{1,100}$/.test(header) ? header : (request.requestId ?? randomUUID());
  return { actor: { type: request.role ?? 'system', id: `key:${request.role ?? 'none'}` }, correlationId };
});
