import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../auth';
import { CLOCK, Clock } from '../clock';
import { ApiTextResponse } from '../openapi';
import { ConsumerHost } from '../projection-host';
import { BulwarkMetrics } from './metrics';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: BulwarkMetrics,
    private readonly consumers: ConsumerHost,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Prometheus scrapes with the siem key: the role that already reads the event export, and changes nothing. */
  @Get()
  @Roles('siem', 'admin')
  @ApiOperation({ summary: 'Prometheus metrics of this process: requests, MFA outcomes, lockouts, blocks, detections, append latency, consumer lag, outbox depth' })
  @ApiTextResponse(200, ['text/plain'], 'the Prometheus text exposition format, version 0.0.4')
  async scrape(@Res() response: Response): Promise<void> {
    const body = await this.metrics.render(this.clock, this.consumers.watched());
    response.status(200).type(this.metrics.contentType).send(body);
  }
}
