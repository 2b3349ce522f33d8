import { z } from 'zod';
import { EventContract } from './registry';

/**
 * A command route refused for want of a valid key or of the right role (stream `security_audit-<yyyy-mm-dd>`,
 * one a day, written by whichever service answered). It names the route's template, never the path the caller
 * sent, and never the key or anything derived from it. Recording is rate-limited per process, per (route, role,
 * status): `suppressedCount` says how many refusals of the same kind went unrecorded before this one.
 */
export const authorizationDenied = z.object({
  method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']),
  route: z.string().min(1).max(500),
  status: z.union([z.literal(401), z.literal(403)]),
  /** the key's role; null when there was no valid key (401) */
  role: z.enum(['admin', 'analyst', 'app', 'siem']).nullable(),
  reason: z.string().min(1).max(500),
  clientIp: z.string().max(64).nullable(),
  suppressedCount: z.int().min(0),
  at: z.iso.datetime(),
});

export type AuthorizationDenied = { type: 'AuthorizationDenied'; data: z.infer<typeof authorizationDenied> };

export const securityAuditContracts: EventContract[] = [{ type: 'AuthorizationDenied', schemaVersion: 1, schema: authorizationDenied }];
