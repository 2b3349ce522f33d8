import { Controller, Get, Inject, OnModuleInit, Param, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@bulwark/contracts';
import { ConsumerHost, READ_DB, Roles, ZodPipe } from '@bulwark/platform';
import Database from 'better-sqlite3';
import type { Request } from 'express';
import { z } from 'zod';
import { directoryAudit, directoryAuditsPage, directoryAuditsProjection } from '../projections/directory-audits.projection';
import { GRAPH_METADATA, graphPage, nextLinkOf, pageRequest } from './graph-collection';

const ENTITY_SET = 'auditLogs/directoryAudits';
/** Graph's page size for directoryAudits: 1000 by default and at most. */
const PAGE = { defaultTop: 1000, maxTop: 1000 };

@ApiTags('audit logs')
@Controller('v1.0/auditLogs/directoryAudits')
export class DirectoryAuditsController implements OnModuleInit {
  constructor(@Inject(READ_DB) private readonly db: Database.Database, private readonly consumers: ConsumerHost) {}

  onModuleInit(): void {
    this.consumers.registerProjection(directoryAuditsProjection);
  }

  @Get()
  @Roles('analyst', 'admin')
  @ApiQuery({ name: '$top', required: false, description: 'page size, 1–1000 (default 1000)' })
  @ApiQuery({ name: '$skiptoken', required: false, description: 'from @odata.nextLink' })
  @ApiOperation({ summary: "Admin commands, settings changes, security info and fraud reports, newest first, in Graph's directoryAudit shape" })
  list(@Req() request: Request) {
    const { top, after } = pageRequest(request.query as Record<string, unknown>, PAGE);
    // one row more than the page tells whether another page follows
    const rows = directoryAuditsPage(this.db, top + 1, after);
    const page = rows.slice(0, top);
    const last = page[page.length - 1];
    const nextLink = rows.length > top && last ? nextLinkOf(request, { at: last.activityDateTime, id: last.id }) : null;
    return graphPage(ENTITY_SET, page, nextLink);
  }

  @Get(':id')
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: 'One directory audit by its id' })
  get(@Param('id', new ZodPipe(z.uuid({ error: 'an audit id is a UUID' }), 'path')) id: string) {
    const audit = directoryAudit(this.db, id);
    if (!audit) throw new DomainError('AUDIT_NOT_FOUND', 'notFound', `no directory audit ${id}`);
    return { '@odata.context': `${GRAPH_METADATA}#${ENTITY_SET}/$entity`, ...audit };
  }
}
