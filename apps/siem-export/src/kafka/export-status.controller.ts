import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, ApiZodResponse } from '@bulwark/platform';
import { SyslogService } from '../syslog/syslog.service';
import { SiemKafkaService } from './siem-kafka.service';
import { exportStatus } from '../siem-export.responses';

@ApiTags('siem export')
@Controller('v1/siem/exports')
export class ExportStatusController {
  constructor(private readonly kafka: SiemKafkaService, private readonly syslog: SyslogService) {}

  @Get()
  @Roles('siem', 'admin')
  @ApiOperation({ summary: 'Where each SIEM export (Kafka topics, syslog) has got to in the event log: its checkpoint position' })
  @ApiZodResponse(200, exportStatus, 'Each export’s position, or notConfigured')
  status() {
    return { kafka: this.kafka.status(), syslog: this.syslog.status() };
  }
}
