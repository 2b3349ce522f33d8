import { z } from 'zod';

const probe = z.object({ status: z.enum(['up', 'down', 'notConfigured']), error: z.string().optional() }).loose();

/** What /health answers, with 200 when healthy and 503 when degraded. */
export const healthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  service: z.string(),
  delivery: z.string(),
  store: probe.extend({ kind: z.string().optional(), headPosition: z.int().optional() }),
  kafka: probe.extend({ brokers: z.int().optional(), encoding: z.enum(['fast', 'kafkajs']).optional() }),
  consumers: z.array(
    z
      .object({
        name: z.string(),
        status: z.string(),
        /** the last position the consumer handled */
        position: z.int().optional(),
        error: z.string().optional(),
        /** the event a failed consumer stopped on because it cannot read it: park it to let the consumer go on */
        stoppedAt: z
          .object({ position: z.int(), eventId: z.string(), eventType: z.string(), streamId: z.string(), reason: z.string() })
          .optional(),
      })
      .loose(),
  ),
});
