import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { eventRegistry } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, SubscriptionState } from '@bulwark/event-store';
import { KafkaRelay } from '@bulwark/messaging';
import { BULWARK_CONFIG, BulwarkConfig, ConsumerHost, KAFKA } from '@bulwark/platform';
import { Kafka } from 'kafkajs';

/** Runs the relay from the event store to Kafka when Kafka is configured; in the embedded default there is none. */
@Injectable()
export class KafkaRelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private relay: KafkaRelay | null = null;
  private subscription: { status(): SubscriptionState } | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BULWARK_CONFIG) private readonly config: BulwarkConfig,
    private readonly consumers: ConsumerHost,
    @Optional() @Inject(KAFKA) private readonly kafka: Kafka | null,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.kafka) return;
    this.relay = new KafkaRelay(this.kafka, this.store, eventRegistry, { topic: this.config.eventsTopic });
    this.subscription = await this.relay.start();
    // /health names the relay when it stops (Kafka refusing a batch, an event it cannot read)
    this.consumers.watch(this.relay.name, this.subscription);
  }

  status(): SubscriptionState | { name: string; status: 'notConfigured' } {
    return this.subscription?.status() ?? { name: 'kafka-relay', status: 'notConfigured' };
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}
