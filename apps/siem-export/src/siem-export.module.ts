import { Module } from '@nestjs/common';
import { BULWARK_CONFIG, BulwarkConfig } from '@bulwark/platform';
import { ExportStatusController } from './kafka/export-status.controller';
import { SiemKafkaService } from './kafka/siem-kafka.service';
import { SiemEventsController } from './pull/siem-events.controller';
import { KafkaRelayService } from './relay/kafka-relay.service';
import { RelayStatusController } from './relay/relay-status.controller';
import { ReplaysController } from './replays/replays.controller';
import { SiemExportMetrics } from './siem-export.metrics';
import { loadSiemSettings, SIEM_SETTINGS } from './siem-settings';
import { SyslogService } from './syslog/syslog.service';

/**
 * Delivery of committed events downstream: the domain relay to Kafka (bulwark.events.v1), and the SIEM export
 * in OCSF, ECS and CEF (Kafka topics, replays, the pull API).
 */
@Module({
  controllers: [RelayStatusController, SiemEventsController, ReplaysController, ExportStatusController],
  providers: [
    KafkaRelayService,
    SiemKafkaService,
    SyslogService,
    SiemExportMetrics,
    { provide: SIEM_SETTINGS, inject: [BULWARK_CONFIG], useFactory: (config: BulwarkConfig) => loadSiemSettings(config) },
  ],
})
export class SiemExportModule {}
