// What the sign-in-logs service's routes answer, for the OpenAPI document (test/openapi.spec.ts checks real answers against it).
import { graphCollection } from '@bulwark/platform';
import { z } from 'zod';

const dateTime = z.iso.datetime();
const keyValue = z.object({ key: z.string(), value: z.string().nullable() });

// Graph's signIn: the fields Bulwark fills ($select may leave fields out)
export const signIns = graphCollection(
  z
    .object({
      id: z.string(),
      createdDateTime: dateTime,
      userDisplayName: z.string().nullable(),
      userPrincipalName: z.string(),
      userId: z.string(),
      appId: z.string().nullable(),
      appDisplayName: z.string().nullable(),
      ipAddress: z.string().nullable(),
      clientAppUsed: z.string().nullable(),
      userAgent: z.string().nullable(),
      correlationId: z.string().nullable(),
      conditionalAccessStatus: z.string(),
      isInteractive: z.boolean(),
      riskDetail: z.string(),
      riskLevelAggregated: z.string(),
      riskLevelDuringSignIn: z.string(),
      riskState: z.string(),
      riskEventTypes: z.array(z.string()),
      riskEventTypes_v2: z.array(z.string()),
      status: z.object({ errorCode: z.int(), failureReason: z.string().nullable(), additionalDetails: z.string().nullable() }).loose(),
      authenticationProcessingDetails: z.array(keyValue),
      authenticationRequirement: z.string(),
      authenticationMethodsUsed: z.array(z.string()),
      mfaDetail: z.object({ authMethod: z.string().nullable(), authDetail: z.string().nullable() }).loose().nullable(),
      authenticationDetails: z.array(z.object({ authenticationStepDateTime: dateTime, succeeded: z.boolean() }).loose()),
    })
    .partial()
    .loose(),
);

// Graph's directoryAudit ($select may leave fields out)
const directoryAudit = z
  .object({
    id: z.string(),
    category: z.string(),
    correlationId: z.string().nullable(),
    result: z.string(),
    resultReason: z.string().nullable(),
    activityDisplayName: z.string(),
    activityDateTime: dateTime,
    loggedByService: z.string(),
    operationType: z.string(),
    initiatedBy: z.object({ user: z.object({ id: z.string() }).loose().nullable(), app: z.object({ displayName: z.string().nullable() }).loose().nullable() }),
    targetResources: z.array(
      z
        .object({
          id: z.string().nullable(),
          type: z.string().nullable(),
          modifiedProperties: z.array(z.object({ displayName: z.string(), oldValue: z.string().nullable(), newValue: z.string().nullable() })),
        })
        .loose(),
    ),
    additionalDetails: z.array(keyValue),
  })
  .partial()
  .loose();

export const directoryAudits = graphCollection(directoryAudit);

export const directoryAuditEntity = directoryAudit.extend({ '@odata.context': z.string() });

const counts = { success: z.int(), failure: z.int(), bypassed: z.int(), total: z.int() };

export const usageReport = z.object({
  from: dateTime,
  to: dateTime,
  interval: z.enum(['hour', 'day', 'month']),
  authentications: z.array(z.object({ period: z.string(), methods: z.array(z.object({ method: z.string(), ...counts })) })),
  totals: z.object(counts),
  usersConfiguredForMfa: z.int(),
  usersConfiguredByMethod: z.record(z.string(), z.int()),
  usersByMfaState: z.record(z.string(), z.int()),
  billing: z.object({ perAuthentication: z.int(), perUser: z.int() }),
});

export const lockoutsReport = z.object({
  from: dateTime,
  to: dateTime,
  total: z.int(),
  distinctUsers: z.int(),
  perDay: z.array(z.object({ day: z.string(), lockouts: z.int() })),
  value: z.array(
    z.object({
      id: z.string(),
      userId: z.string(),
      lockedDateTime: dateTime,
      lockedUntilDateTime: dateTime.nullable(),
      factor: z.string().nullable(),
      denials: z.int(),
      status: z.enum(['active', 'expired', 'unlocked']),
      unlockedDateTime: dateTime.nullable(),
      unlockedBy: z.string().nullable(),
      unlockReason: z.string().nullable(),
    }),
  ),
});

export const blockedUsersReport = z.object({
  total: z.int(),
  value: z.array(
    z.object({ userId: z.string(), blockedDateTime: dateTime, blockedUntilDateTime: dateTime, reason: z.string(), blockedBy: z.string(), correlationId: z.string() }),
  ),
});
