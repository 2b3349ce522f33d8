import { Actor } from '@bulwark/contracts';
import { ExportOptions } from './export-options';
import { ExportEvent, isEmail } from './privacy';

/** The event's own time (its `at`), else when it was committed: epoch milliseconds. */
export function eventTime(event: ExportEvent): number {
  const at = typeof event.data.at === 'string' ? Date.parse(event.data.at) : NaN;
  return Number.isFinite(at) ? at : Date.parse(event.metadata.occurredAt);
}

/** A user as every format names them: the id, and (names on) a login name, email and display name when known. */
export type UserIdentity = { id: string; name?: string; email?: string; displayName?: string; domain?: string };

export function userIdentity(userId: string, data: Record<string, unknown>, options: Pick<ExportOptions, 'userNames'>): UserIdentity {
  if (!options.userNames) return { id: userId };
  const upn = typeof data.userPrincipalName === 'string' ? data.userPrincipalName : isEmail(userId) ? userId : undefined;
  const displayName = typeof data.userDisplayName === 'string' ? data.userDisplayName : undefined;
  return {
    id: userId,
    name: upn ?? userId,
    ...(upn ? { email: upn, domain: upn.split('@')[1] } : {}),
    ...(displayName ? { displayName } : {}),
  };
}

/**
 * Who acted: the user themself (through the app), or someone else (an admin's or analyst's key, a service's own
 * reaction). Admin actions put the actor in OCSF actor / ECS user.* / CEF suser, the subject in the target fields.
 */
export function actedBySomeoneElse(actor: Actor): boolean {
  return actor.type !== 'app' && actor.type !== 'user';
}
