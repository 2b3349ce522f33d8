import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RecordedEvent } from '@bulwark/contracts';
import { EVENT_STORE, EventStore } from '@bulwark/event-store';
import { Roles, ZodPipe, ApiTextResponse } from '@bulwark/platform';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { EXPORT_FORMATS, exportRecord } from '../formats';
import { exportOptionsFor, SIEM_SETTINGS, SiemSettings } from '../siem-settings';

export const NEXT_CURSOR_HEADER = 'X-Bulwark-Next-Cursor';

const eventsQuery = z.strictObject({
  format: z.enum(EXPORT_FORMATS, { error: 'format must be ocsf, ecs or cef' }),
  /** a cursor is a position in the event log: the last one a page carried (0: from the start) */
  after: z
    .string()
    .regex(/^(0|[1-9]\d{0,15})$/, 'after must be a cursor from X-Bulwark-Next-Cursor (a non-negative integer)')
    .transform(Number)
    .default(0),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'limit must be an integer 1–1000')
    .transform(Number)
    .pipe(z.number().int().min(1, 'limit must be 1–1000').max(1000, 'limit must be 1–1000'))
    .default(100),
  /** seconds to hold the request open when nothing follows the cursor yet */
  wait: z
    .string()
    .regex(/^\d{1,2}$/, 'wait must be 0–30 seconds')
    .transform(Number)
    .pipe(z.number().int().max(30, 'wait must be 0–30 seconds'))
    .default(0),
});
type EventsQuery = z.infer<typeof eventsQuery>;

const contentTypes = { ocsf: 'application/x-ndjson; charset=utf-8', ecs: 'application/x-ndjson; charset=utf-8', cef: 'text/plain; charset=utf-8' };

/**
 * The embedded default's SIEM feed, no Kafka needed: a page of records after a cursor, one per line (NDJSON for
 * OCSF and ECS, one CEF line per record). The next cursor comes in the `X-Bulwark-Next-Cursor` header (and a
 * `Link: rel="next"`); it is a position in the event log, like the Kafka exporter's checkpoint, so a client that
 * stores it after processing a page gets every event once, in commit order. When nothing follows the cursor,
 * the request waits up to `wait` seconds for the next commit (long polling) and otherwise returns an empty page.
 */
@ApiTags('siem export')
@Controller('v1/siem/events')
export class SiemEventsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SIEM_SETTINGS) private readonly settings: SiemSettings,
  ) {}

  @Get()
  @Roles('siem')
  @ApiQuery({ name: 'format', required: true, enum: EXPORT_FORMATS })
  @ApiQuery({ name: 'after', required: false, description: 'the cursor of the previous page (X-Bulwark-Next-Cursor); 0 or absent: from the start' })
  @ApiQuery({ name: 'limit', required: false, description: 'records per page, 1–1000 (default 100)' })
  @ApiQuery({ name: 'wait', required: false, description: 'seconds to wait for new events when caught up, 0–30 (default 0)' })
  @ApiOperation({ summary: 'Committed events after a cursor as OCSF or ECS NDJSON, or CEF lines; the next cursor in X-Bulwark-Next-Cursor' })
  @ApiTextResponse(200, ['application/x-ndjson', 'text/plain'], 'One record per line: NDJSON for ocsf and ecs, CEF lines (text/plain) for cef')
  async list(@Query(new ZodPipe(eventsQuery, 'query')) query: EventsQuery, @Req() request: Request, @Res() response: Response): Promise<void> {
    const closed = new AbortController();
    response.on('close', () => closed.abort());
    const events = await this.page(query, closed.signal);
    const options = exportOptionsFor(this.settings, query.format);
    const lines = events.map((event) => exportRecord(query.format, event, options).line);
    const next = events.length ? events[events.length - 1]!.position : query.after;
    const base = `${request.baseUrl}${request.path}`;
    response.status(200);
    response.setHeader('Content-Type', contentTypes[query.format]);
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader(NEXT_CURSOR_HEADER, String(next));
    response.setHeader('Access-Control-Expose-Headers', NEXT_CURSOR_HEADER);
    response.setHeader('Link', `<${base}?format=${query.format}&after=${next}&limit=${query.limit}>; rel="next"`);
    for (const line of lines) response.write(`${line}\n`);
    response.end();
  }

  /** Reads after the cursor; when caught up, waits for a commit (until `wait` runs out or the client leaves). */
  private async page(query: EventsQuery, signal: AbortSignal): Promise<RecordedEvent[]> {
    const deadline = Date.now() + query.wait * 1000;
    for (;;) {
      const events = await this.store.readAll({ after: query.after, maxCount: query.limit });
      const left = deadline - Date.now();
      if (events.length || left <= 0 || signal.aborted) return events;
      await this.store.waitForAppend(query.after, left, signal);
    }
  }
}
