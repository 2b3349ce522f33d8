import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, ApiZodResponse } from '@bulwark/platform';
import { KafkaRelayService } from './kafka-relay.service';
import { relayStatus } from '../siem-export.responses';

@ApiTags('siem export')
@Controller('v1/siem/relay')
export class RelayStatusController {
  constructor(private readonly relay: KafkaRelayService) {}

  @Get()
  @Roles('siem', 'admin')
  @ApiOperation({ summary: 'Where the Kafka relay has got to in the event log' })
  @ApiZodResponse(200, relayStatus, 'The relay’s position, or notConfigured without Kafka')
  status() {
    return this.relay.status();
  }
}
