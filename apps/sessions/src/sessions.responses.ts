// What the sessions service's routes answer, for the OpenAPI document.
import { z } from 'zod';

export const sessionValidity = z.union([
  z.object({ valid: z.literal(true), userId: z.string(), createdAt: z.iso.datetime() }),
  z.object({ valid: z.literal(false), reason: z.literal('revoked') }),
]);

/** Graph's answer to revokeSignInSessions */
export const sessionsRevoked = z.object({ '@odata.context': z.string(), value: z.literal(true) });
