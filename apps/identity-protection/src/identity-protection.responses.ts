// What the identity-protection service's routes answer, for the OpenAPI document (test/openapi.spec.ts checks real answers against it).
import { fraudAlertSettingsChanged, riskDetectionSettings, riskPolicySettings } from '@bulwark/contracts';
import { graphCollection } from '@bulwark/platform';
import { z } from 'zod';

const dateTime = z.iso.datetime();
const riskLevel = z.string().describe('low, medium, high, hidden, none (or unknownFutureValue unless Prefer: include-unknown-enum-members)');

export const fraudAlertSettings = fraudAlertSettingsChanged.omit({ at: true }).extend({ version: z.int() });

export const notificationSettings = z.object({
  emails: z.array(z.string()),
  webhooks: z.array(z.object({ url: z.string(), secretSet: z.literal(true) })),
  version: z.int(),
  emailDelivery: z.enum(['smtp', 'developmentFile', 'notConfigured']),
});

export const testNotificationResults = z.object({
  value: z.array(z.object({ channel: z.enum(['email', 'webhook']), receiver: z.string(), delivered: z.boolean(), reason: z.string().nullable() })),
});

// Graph's riskDetection: the fields Bulwark fills (the entity may carry more of Graph's, as $select allows)
export const riskDetections = graphCollection(
  z
    .object({
      id: z.string(),
      requestId: z.string().nullable(),
      correlationId: z.string().nullable(),
      riskEventType: z.string(),
      riskState: z.string(),
      riskLevel,
      riskDetail: z.string(),
      source: z.string(),
      detectionTimingType: z.string(),
      activity: z.string(),
      ipAddress: z.string().nullable(),
      activityDateTime: dateTime,
      detectedDateTime: dateTime,
      lastUpdatedDateTime: dateTime,
      userId: z.string(),
      userPrincipalName: z.string(),
      additionalInfo: z.string(),
    })
    .partial()
    .loose(),
);

export const currentLockouts = z.object({
  value: z.array(
    z.object({
      userId: z.string(),
      lockedDateTime: dateTime,
      lockedUntilDateTime: dateTime.nullable(),
      causedByChallengeIds: z.array(z.string()),
      factor: z.string().nullable(),
      settingsVersion: z.int(),
    }),
  ),
});

// Graph's riskyUser ($select may leave fields out)
const riskyUser = z
  .object({
    id: z.string(),
    isDeleted: z.boolean(),
    isProcessing: z.boolean(),
    riskLastUpdatedDateTime: dateTime.nullable(),
    riskLevel,
    riskState: z.string(),
    riskDetail: z.string(),
    userDisplayName: z.string().nullable(),
    userPrincipalName: z.string(),
  })
  .partial()
  .loose();

export const riskyUsers = graphCollection(riskyUser);

export const riskyUserEntity = riskyUser.extend({ '@odata.context': z.string() });

export const riskyUserHistory = graphCollection(
  riskyUser.extend({
    userId: z.string(),
    initiatedBy: z.string().nullable(),
    activity: z.object({ detail: z.string(), riskEventTypes: z.array(z.string()) }).loose(),
  }),
);

export const blockState = z
  .object({ userId: z.string(), status: z.enum(['blocked', 'unblocked']), until: dateTime.nullable().optional(), reason: z.string().optional() })
  .loose();

export const detectionSettings = riskDetectionSettings.extend({ version: z.int() });

export const riskPolicy = riskPolicySettings.extend({ version: z.int() });
