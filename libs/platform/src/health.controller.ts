import { Controller, Get, Inject, Optional, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { EVENT_STORE, EventStore } from '@bulwark/event-store';
import { kafkaEncoding } from '@bulwark/messaging';
import type { Response } from 'express';
import { Kafka } from 'kafkajs';
import { Public, Roles } from './auth';
import { BULWARK_CONFIG, KAFKA } from './tokens';
import { BulwarkConfig } from './config';
import { ConsumerHost } from './projection-host';
import { healthResponse } from './health.responses';
import { ApiZodResponse } from './openapi';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BULWARK_CONFIG) private readonly config: BulwarkConfig,
    private readonly consumers: ConsumerHost,
    @Optional() @Inject(KAFKA) private readonly kafka: Kafka | null,
  ) {}

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Liveness of the event store, Kafka (when configured) and every consumer' })
  @ApiZodResponse(200, healthResponse, 'Healthy: the store is up, Kafka is up or not configured, no consumer failed')
  @ApiZodResponse(503, healthResponse, 'Degraded: which part is down, in the same shape')
  async health(@Res() response: Response): Promise<void> {
    const store = await this.check(async () => ({ kind: this.store.kind, headPosition: await this.store.headPosition() }));
    // encoding: whether produce requests use @bulwark/messaging's fast encoder or kafkajs's own (see kafka-encoding.ts)
    const kafka = this.kafka ? { ...(await this.check(() => this.kafkaStatus(this.kafka!))), encoding: kafkaEncoding() } : { status: 'notConfigured' };
    const consumers = this.consumers.statuses();
    const healthy = store.status === 'up' && kafka.status !== 'down' && consumers.every((consumer) => consumer.status !== 'failed');
    response.status(healthy ? 200 : 503).json({
      status: healthy ? 'ok' : 'degraded',
      service: this.config.serviceName,
      delivery: this.config.delivery,
      store,
      kafka,
      consumers,
    });
  }

  /** An authenticated route that does nothing: the ceiling every other route is measured against. */
  @Get('v1/ping')
  @Roles('admin', 'analyst', 'siem', 'app')
  @ApiOperation({ summary: 'Checks the key and does nothing else (any role)' })
  @ApiZodResponse(200, z.object({ ok: z.literal(true) }), 'The key is valid')
  ping(): { ok: true } {
    return { ok: true };
  }

  private async check<T extends object>(probe: () => Promise<T>): Promise<{ status: 'up' | 'down' } & Partial<T> & { error?: string }> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const details = await Promise.race([
        probe(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out after 3 s')), 3000))),
      ]);
      return { status: 'up', ...details };
    } catch (error) {
      return { status: 'down', error: error instanceof Error ? error.message : String(error) } as never;
    } finally {
      clearTimeout(timer);
    }
  }

  private async kafkaStatus(kafka: Kafka) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      return { brokers: cluster.brokers.length };
    } finally {
      await admin.disconnect();
    }
  }
}
