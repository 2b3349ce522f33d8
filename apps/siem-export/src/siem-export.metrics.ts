import { Injectable, OnModuleInit } from '@nestjs/common';
import { BulwarkMetrics, WatchedConsumer } from '@bulwark/platform';
import { SiemKafkaService } from './kafka/siem-kafka.service';
import { KafkaRelayService } from './relay/kafka-relay.service';
import { SyslogService } from './syslog/syslog.service';

/** The relay's and the SIEM exports' lag at /metrics: the same positions /v1/siem/relay and /v1/siem/exports show. */
@Injectable()
export class SiemExportMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: BulwarkMetrics,
    private readonly relay: KafkaRelayService,
    private readonly kafka: SiemKafkaService,
    private readonly syslog: SyslogService,
  ) {}

  onModuleInit(): void {
    this.metrics.watchConsumers(() => {
      const relay = this.relay.status();
      const exports = this.kafka.status();
      const syslog = this.syslog.status();
      return [
        ...('position' in relay ? [{ ...relay, kind: 'relay' as const }] : []),
        ...(Array.isArray(exports) ? exports.map((exporter) => ({ ...exporter, kind: 'export' as const })) : []),
        ...('position' in syslog ? [{ ...syslog, kind: 'export' as const }] : []),
      ] satisfies WatchedConsumer[];
    });
  }
}
