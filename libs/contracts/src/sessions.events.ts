import { z } from 'zod';
import { EventContract } from './registry';

/** Events of a user's sessions stream (`user_sessions-<userId>`), written only by the sessions service. */
export const sessionsRevoked = z.object({
  userId: z.string().min(1).max(256),
  reason: z.string().max(500).nullable(),
  at: z.iso.datetime(),
});

export type SessionsRevoked = { type: 'SessionsRevoked'; data: z.infer<typeof sessionsRevoked> };
export type UserSessionsEvent = SessionsRevoked;

export const sessionsContracts: EventContract[] = [{ type: 'SessionsRevoked', schemaVersion: 1, schema: sessionsRevoked }];
