import { Module } from '@nestjs/common';
import { BULWARK_CONFIG, BulwarkConfig } from '@bulwark/platform';
import { SiemEventsController } from './pull/siem-events.controller';
import { KafkaRelayService } from './relay/kafka-relay.service';
import { RelayStatusController } from './relay/relay-status.controller';
import { loadSiemSettings, SIEM_SETTINGS } from './siem-settings';

/** Delivery of committed events downstream: the domain relay to Kafka, and the SIEM export (pull API). */
@Module({
  controllers: [RelayStatusController, SiemEventsController],
  providers: [KafkaRelayService, { provide: SIEM_SETTINGS, inject: [BULWARK_CONFIG], useFactory: (config: BulwarkConfig) => loadSiemSettings(config) }],
})
export class SiemExportModule {}
