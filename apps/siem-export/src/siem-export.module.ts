import { Module } from '@nestjs/common';
import { KafkaRelayService } from './relay/kafka-relay.service';
import { RelayStatusController } from './relay/relay-status.controller';

/** Delivery of committed events to Kafka for downstream consumers. */
@Module({ controllers: [RelayStatusController], providers: [KafkaRelayService] })
export class SiemExportModule {}
