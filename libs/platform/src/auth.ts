import { applyDecorators, CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExtension } from '@nestjs/swagger';
import { AuthorizationDenied, streams } from '@bulwark/contracts';
import { envelope, EVENT_STORE, EventStore } from '@bulwark/event-store';
import type { Request } from 'express';
import { CLOCK, Clock } from './clock';
import { Role } from './config';
import { KeyRing } from './credentials';
import { ApiError } from './errors';
import { logger, routeTemplateOf } from './observability/logging';
import { BulwarkMetrics } from './observability/metrics';
import { PUBLIC_EXTENSION } from './openapi';

const ROLES_KEY = 'bulwark:roles';
const PUBLIC_KEY = 'bulwark:public';

/** The roles allowed on a route. A route without it is denied to everyone. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** A route open without a key (health and docs only). */
export const Public = () => applyDecorators(SetMetadata(PUBLIC_KEY, true), ApiExtension(PUBLIC_EXTENSION, true));

export type AuthenticatedRequest = Request & { role?: Role };

/** The HTTP methods of command routes: a refusal on one of these is recorded, a refused read is only logged. */
const COMMAND_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
type CommandMethod = (typeof COMMAND_METHODS)[number];

/** At most this many AuthorizationDenied per minute, per (method and route, role, status), per process. */
export const AUTHORIZATION_AUDITS_PER_MINUTE = 10;

/**
 * Records a refused command route as `AuthorizationDenied` in the day's `security_audit-<yyyy-mm-dd>` stream
 * (issue 13 §6), with the reason and never the key. A flood of refusals must not fill the store, so recording is
 * rate-limited per process and per kind of refusal: past the limit in a minute they are only counted (metric
 * and log line still see each one), and the first one recorded after that carries how many were left out.
 */
@Injectable()
export class AuthorizationAudit {
  private readonly windows = new Map<string, { minute: number; recorded: number; suppressed: number }>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, @Inject(CLOCK) private readonly clock: Clock, private readonly metrics: BulwarkMetrics) {}

  async refused(request: AuthenticatedRequest & { requestId?: string }, error: ApiError): Promise<void> {
    const method = request.method.toUpperCase();
    if (!(COMMAND_METHODS as readonly string[]).includes(method)) return;
    const status = error.status as 401 | 403;
    const route = routeTemplateOf(request) ?? 'unknown';
    const role = request.role ?? null;
    this.metrics.authorizationFailure(route, status, role);
    const now = this.clock.now();
    const suppressedCount = this.admit(`${method} ${route}|${role ?? 'none'}|${status}`, now);
    if (suppressedCount === null) return;
    const denied: AuthorizationDenied = {
      type: 'AuthorizationDenied',
      data: { method: method as CommandMethod, route, status, role, reason: error.message, clientIp: request.ip?.slice(0, 64) ?? null, suppressedCount, at: now.toISOString() },
    };
    const requestId = request.requestId ?? null;
    try {
      await this.store.append(
        streams.securityAudit(now.toISOString().slice(0, 10)),
        envelope([denied], { correlationId: requestId ?? 'unknown', causationId: requestId, actor: { type: role ?? 'system', id: `key:${role ?? 'none'}` }, now }),
        { expectedRevision: 'any' },
      );
    } catch (failure) {
      // the refusal stands whatever happens to its record: the caller still gets 401 or 403
      logger().error({ kind: 'error', err: failure, route, status }, 'authorization failure not recorded');
    }
  }

  /** null when this refusal goes unrecorded; else how many of its kind went unrecorded before it. */
  private admit(kind: string, now: Date): number | null {
    const minute = Math.floor(now.getTime() / 60_000);
    const window = this.windows.get(kind) ?? { minute, recorded: 0, suppressed: 0 };
    if (window.minute !== minute) Object.assign(window, { minute, recorded: 0 });
    this.windows.set(kind, window);
    if (window.recorded >= AUTHORIZATION_AUDITS_PER_MINUTE) {
      window.suppressed++;
      return null;
    }
    window.recorded++;
    const suppressed = window.suppressed;
    window.suppressed = 0;
    return suppressed;
  }
}

@Injectable()
export class RoleGuard implements CanActivate {
  constructor(private readonly reflector: Reflector, private readonly keyRing: KeyRing, private readonly audit: AuthorizationAudit) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      return this.authorize(context);
    } catch (error) {
      if (error instanceof ApiError) await this.audit.refused(context.switchToHttp().getRequest<AuthenticatedRequest>(), error);
      throw error;
    }
  }

  private authorize(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new ApiError(401, 'unauthenticated', 'missing bearer key: send Authorization: Bearer <key>');
    const role = this.keyRing.roleOf(match[1]!);
    if (!role) throw new ApiError(401, 'unauthenticated', 'the bearer key is not valid');
    request.role = role;
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [];
    if (!allowed.includes(role)) {
      throw new ApiError(403, 'accessDenied', allowed.length ? `this route needs the role ${allowed.join(' or ')}; the key has the role ${role}` : 'this route is not open to any role');
    }
    return true;
  }
}
