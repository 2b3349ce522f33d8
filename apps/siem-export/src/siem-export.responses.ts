// What the SIEM export service's routes answer, for the OpenAPI document.
import { z } from 'zod';

const subscription = z.object({ name: z.string(), status: z.enum(['starting', 'live', 'stopped', 'failed']), position: z.int(), error: z.string().optional() });
const notConfigured = z.object({ status: z.literal('notConfigured') });

export const relayStatus = z.union([subscription, notConfigured.extend({ name: z.string() })]);

export const exportStatus = z.object({
  kafka: z.union([z.array(subscription.extend({ format: z.string(), topic: z.string(), share: z.object({ index: z.int(), count: z.int() }) })), notConfigured]),
  syslog: z.union([subscription.extend({ collector: z.string() }), notConfigured]),
});

export const replayJob = z.object({
  id: z.uuid(),
  status: z.enum(['queued', 'running', 'completed', 'failed']),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  topics: z.array(z.string()),
  requestedAt: z.iso.datetime(),
  requestedBy: z.string(),
  untilPosition: z.int(),
  position: z.int(),
  exported: z.int(),
  error: z.string().nullable(),
  updatedAt: z.iso.datetime(),
});

export const replayJobs = z.object({ value: z.array(replayJob) });
