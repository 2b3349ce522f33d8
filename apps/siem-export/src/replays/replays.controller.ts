import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@bulwark/contracts';
import { EVENT_STORE, EventStore } from '@bulwark/event-store';
import { ApiZodBody, Caller, CLOCK, Clock, RequestContext, Roles, zodBody, ZodPipe, ApiZodResponse } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { EXPORT_FORMATS } from '../formats';
import { SiemKafkaService } from '../kafka/siem-kafka.service';
import { replayJob, replayJobs } from '../siem-export.responses';

const replayRequest = z
  .strictObject({
    from: z.iso.datetime({ error: 'from must be an ISO 8601 date-time (UTC, e.g. 2026-11-21T00:00:00Z)' }),
    to: z.iso.datetime({ error: 'to must be an ISO 8601 date-time (UTC)' }),
    topics: z
      .array(z.enum(EXPORT_FORMATS, { error: 'topics are ocsf, ecs or cef' }))
      .min(1, 'topics needs at least one of ocsf, ecs, cef')
      .refine((topics) => new Set(topics).size === topics.length, 'topics lists a format twice'),
  })
  .refine((request) => Date.parse(request.from) < Date.parse(request.to), { message: 'from must be before to', path: ['to'] });
type ReplayRequest = z.infer<typeof replayRequest>;

/**
 * Re-exports a time range to the SIEM topics after a SIEM outage: every record is marked as a replay (header
 * `bulwark-replay: <job id>`, OCSF metadata.labels ["replay"], ECS tags ["replay"], CEF deviceCustomDate1) and
 * keeps its event id, so a SIEM that already has it drops it. A durable job: `GET …/replays/{id}` shows progress.
 */
@ApiTags('siem export')
@Controller('v1/siem/replays')
export class ReplaysController {
  constructor(
    private readonly kafka: SiemKafkaService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(202)
  @Roles('admin')
  @ApiZodBody(replayRequest, { from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z', topics: ['ocsf'] })
  @ApiOperation({ summary: 'Re-export the events committed in [from, to) to the given SIEM topics, marked as replay; 202 with the job' })
  @ApiZodResponse(202, replayJob, 'The replay job, queued')
  async request(@Body(zodBody(replayRequest)) body: ReplayRequest, @Caller() caller: RequestContext) {
    if (!this.kafka.configured) {
      throw new DomainError('SIEM_KAFKA_NOT_CONFIGURED', 'conflict', 'replays go to the Kafka export topics, and Kafka is not configured (KAFKA_BROKERS)');
    }
    return this.kafka.requestReplay({
      id: randomUUID(),
      from: new Date(body.from).toISOString(),
      to: new Date(body.to).toISOString(),
      topics: body.topics,
      requestedAt: this.clock.now().toISOString(),
      requestedBy: caller.actor.id,
      untilPosition: await this.store.headPosition(),
    });
  }

  @Get()
  @Roles('admin', 'siem')
  @ApiOperation({ summary: 'The latest replay jobs, newest first' })
  @ApiZodResponse(200, replayJobs, 'The latest replay jobs')
  list() {
    return { value: this.kafka.jobs.list(100) };
  }

  @Get(':id')
  @Roles('admin', 'siem')
  @ApiOperation({ summary: 'One replay job: status queued, running, completed or failed, and its progress' })
  @ApiZodResponse(200, replayJob, 'The replay job')
  get(@Param('id', new ZodPipe(z.uuid({ error: 'a replay id is a UUID' }), 'path')) id: string) {
    const job = this.kafka.jobs.get(id);
    if (!job) throw new DomainError('SIEM_REPLAY_NOT_FOUND', 'notFound', `no replay ${id}`);
    return job;
  }
}
