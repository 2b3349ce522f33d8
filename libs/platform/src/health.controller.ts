import { Controller, Get, Inject, OnModuleDestroy, Optional, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { EVENT_STORE, EventStore } from '@bulwark/event-store';
import { kafkaEncoding } from '@bulwark/messaging';
import Database from 'better-sqlite3';
import type { Response } from 'express';
import { Kafka } from 'kafkajs';
import path from 'node:path';
import { Public, Roles } from './auth';
import { BULWARK_CONFIG, KAFKA } from './tokens';
import { BulwarkConfig } from './config';
import { ConsumerHost } from './projection-host';
import { healthResponse } from './health.responses';
import { ApiZodResponse } from './openapi';

@ApiTags('health')
@Controller()
export class HealthController implements OnModuleDestroy {
  /** A connection of its own to the embedded store's file, that tries for its write lock (see `writable`). */
  private probe: Database.Database | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BULWARK_CONFIG) private readonly config: BulwarkConfig,
    private readonly consumers: ConsumerHost,
    @Optional() @Inject(KAFKA) private readonly kafka: Kafka | null,
  ) {}

  @Public()
  @Get('health')
  @ApiOperation({
    summary: 'Liveness of the event store, Kafka (when configured) and every consumer',
    description:
      'Degraded (503) when the store cannot be written (locked by another process, unreachable), Kafka is down, or a consumer failed: ' +
      'a consumer stopped on an event it cannot read names it in `stoppedAt` (position, event id, type, stream, reason) until it is parked.',
  })
  @ApiZodResponse(200, healthResponse, 'Healthy: the store is up, Kafka is up or not configured, no consumer failed')
  @ApiZodResponse(503, healthResponse, 'Degraded: which part is down, in the same shape')
  async health(@Res() response: Response): Promise<void> {
    const store = await this.check(async () => {
      this.writable();
      return { kind: this.store.kind, headPosition: await this.store.headPosition() };
    });
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

  /**
   * Whether the embedded store could be written now: a read succeeds while another process holds the write lock (WAL),
   * so the probe takes the lock itself and lets go at once. It waits 100 ms at most, which a commit of ours (sub-ms)
   * does not outlast; a lock held longer is what makes appends fail. EventStoreDB's probe is the read of its head.
   */
  private writable(): void {
    if (this.store.kind !== 'sqlite') return;
    this.probe ??= new Database(path.join(this.config.dataDir, 'events.db'), { fileMustExist: true, timeout: 100 });
    try {
      this.probe.exec('BEGIN IMMEDIATE; ROLLBACK');
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new Error(`the store cannot be written: ${(error as Error).message}${code ? ` (${code})` : ''}`, { cause: error });
    }
  }

  onModuleDestroy(): void {
    this.probe?.close();
    this.probe = null;
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
