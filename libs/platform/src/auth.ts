import { applyDecorators, CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExtension } from '@nestjs/swagger';
import type { Request } from 'express';
import { Role } from './config';
import { KeyRing } from './credentials';
import { ApiError } from './errors';
import { PUBLIC_EXTENSION } from './openapi';

const ROLES_KEY = 'bulwark:roles';
const PUBLIC_KEY = 'bulwark:public';

/** The roles allowed on a route. A route without it is denied to everyone. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** A route open without a key (health and docs only). */
export const Public = () => applyDecorators(SetMetadata(PUBLIC_KEY, true), ApiExtension(PUBLIC_EXTENSION, true));

export type AuthenticatedRequest = Request & { role?: Role };

@Injectable()
export class RoleGuard implements CanActivate {
  constructor(private readonly reflector: Reflector, private readonly keyRing: KeyRing) {}

  canActivate(context: ExecutionContext): boolean {
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
