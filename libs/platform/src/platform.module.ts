import { BeforeApplicationShutdown, DynamicModule, Global, Inject, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { eventRegistry } from '@bulwark/contracts';
import { createEventStore, EVENT_STORE, EventStore, openReadDatabase } from '@bulwark/event-store';
import { EVENT_FEED, InProcessEventFeed, KafkaEventFeed, useFastKafkaEncoding } from '@bulwark/messaging';
import Database from 'better-sqlite3';
import { Kafka, logLevel } from 'kafkajs';
import { mkdirSync } from 'node:fs';
import { AuthorizationAudit, RoleGuard } from './auth';
import { CLOCK, Clock, systemClock } from './clock';
import { BulwarkConfig } from './config';
import { KeyRing, loadCredentials, loadDataKey } from './credentials';
import { CommandEffects, CommandEffectsInterceptor } from './effects';
import { AllErrorsFilter } from './errors';
import { GraphCollections } from './graph-collections';
import { HealthController } from './health.controller';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { idempotencyDatabaseFile, IdempotencyStore } from './idempotency/idempotency.store';
import { MetricsController } from './observability/metrics.controller';
import { logSecurityEvents } from './observability/logging';
import { BulwarkMetrics } from './observability/metrics';
import { stopTracing } from './observability/tracing';
import { ConsumerHost, PROJECTION_THREAD, ProjectionThreadEntry, READ_DB, readDatabaseFile } from './projection-host';
import { RequestRateLimits } from './rate-limit/request-rate-limits';
import { SealedBox } from './sealed-box';
import { BULWARK_CONFIG, KAFKA, SEALED_BOX } from './tokens';

export type PlatformOptions = { config: BulwarkConfig; clock?: Clock; projectionThread?: ProjectionThreadEntry };

export function kafkaClient(config: BulwarkConfig): Kafka | null {
  if (!config.kafkaBrokers) return null;
  // before any consumer fetches: where modules cannot be loaded again (Jest's registry) the swap must come first
  useFastKafkaEncoding();
  return new Kafka({ clientId: `bulwark-${config.serviceName}`, brokers: config.kafkaBrokers, logLevel: logLevel.WARN });
}

/** Everything a service stands on: config, keys, clock, event store, read database, feed, auth and errors. */
@Global()
@Module({})
export class PlatformModule implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_DB) private readonly db: Database.Database,
    private readonly consumers: ConsumerHost,
    @Inject(BULWARK_CONFIG) private readonly config: BulwarkConfig,
  ) {}

  static forRoot({ config, clock = systemClock, projectionThread }: PlatformOptions): DynamicModule {
    const credentials = loadCredentials(config);
    const kafka = kafkaClient(config);
    const providers: Provider[] = [
      { provide: BULWARK_CONFIG, useValue: config },
      { provide: CLOCK, useValue: clock },
      { provide: KeyRing, useValue: new KeyRing(credentials.keys) },
      { provide: SEALED_BOX, useFactory: () => new SealedBox(loadDataKey(config)) },
      { provide: KAFKA, useValue: kafka },
      { provide: PROJECTION_THREAD, useValue: projectionThread ?? null },
      // one registry for the whole process: every service module of the embedded app shares it (see metrics.ts)
      { provide: BulwarkMetrics, useFactory: () => new BulwarkMetrics(config.serviceName) },
      {
        provide: EVENT_STORE,
        inject: [BulwarkMetrics],
        useFactory: (metrics: BulwarkMetrics) =>
          logSecurityEvents(metrics.instrumentStore(createEventStore({ dataDir: config.dataDir, connectionString: config.eventStoreConnectionString ?? undefined }))),
      },
      {
        provide: READ_DB,
        useFactory: () => {
          mkdirSync(config.dataDir, { recursive: true });
          return openReadDatabase(readDatabaseFile(config));
        },
      },
      {
        provide: EVENT_FEED,
        inject: [EVENT_STORE],
        useFactory: (store: EventStore) =>
          config.delivery === 'kafka' && kafka
            ? new KafkaEventFeed(kafka, store, eventRegistry, `bulwark.${config.serviceName}`, config.eventsTopic)
            : new InProcessEventFeed(store),
      },
      ConsumerHost,
      GraphCollections,
      RequestRateLimits,
      AuthorizationAudit,
      { provide: APP_GUARD, useClass: RoleGuard },
      { provide: APP_FILTER, useClass: AllErrorsFilter },
      {
        provide: IdempotencyStore,
        inject: [SEALED_BOX, CLOCK],
        useFactory: (box: SealedBox, clock: Clock) => IdempotencyStore.open(idempotencyDatabaseFile(config), box, clock),
      },
      // after the RoleGuard (Nest runs guards first): the key is scoped to the role it sets
      { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      // inside the idempotency interceptor, so a kept answer is one given after the command's effects: see effects.ts
      CommandEffects,
      { provide: APP_INTERCEPTOR, useClass: CommandEffectsInterceptor },
    ];
    return {
      module: PlatformModule,
      imports: [CqrsModule.forRoot()],
      controllers: [HealthController, MetricsController],
      providers,
      exports: providers.filter((provider) => !('provide' in provider && ([APP_GUARD, APP_FILTER, APP_INTERCEPTOR].includes(provider.provide as string)))),
    };
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumers.stopAll();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
    this.db.close();
    // the spans still buffered go out; tracing a test started itself (config off) is the test's to stop
    if (this.config.tracing !== 'off') await stopTracing();
  }
}
