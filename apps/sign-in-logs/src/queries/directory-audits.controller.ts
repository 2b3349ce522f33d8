import { Controller, Get, Inject, OnModuleInit, Param, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@bulwark/contracts';
import { GRAPH_METADATA } from '@bulwark/odata';
import { ConsumerHost, CsvColumn, GraphCollections, READ_DB, Roles, ZodPipe, ApiZodResponse } from '@bulwark/platform';
import Database from 'better-sqlite3';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { directoryAuditEntity, directoryAudits } from '../sign-in-logs.responses';
import {
  AuditRow,
  DirectoryAudit,
  directoryAudit,
  directoryAuditsProjection,
  directoryAuditsResource,
  toGraphDirectoryAudit,
} from '../projections/directory-audits.projection';

const ENTITY_SET = 'auditLogs/directoryAudits';

/** The columns of the CSV download. */
const auditCsvColumns: ReadonlyArray<CsvColumn<DirectoryAudit>> = [
  { property: 'activityDateTime', header: 'Date (UTC)', value: (a: DirectoryAudit) => a.activityDateTime },
  { property: 'id', header: 'ID', value: (a: DirectoryAudit) => a.id },
  { property: 'correlationId', header: 'Correlation ID', value: (a: DirectoryAudit) => a.correlationId },
  { property: 'loggedByService', header: 'Service', value: (a: DirectoryAudit) => a.loggedByService },
  { property: 'category', header: 'Category', value: (a: DirectoryAudit) => a.category },
  { property: 'activityDisplayName', header: 'Activity', value: (a: DirectoryAudit) => a.activityDisplayName },
  { property: 'result', header: 'Result', value: (a: DirectoryAudit) => a.result },
  { property: 'resultReason', header: 'Result reason', value: (a: DirectoryAudit) => a.resultReason },
  { property: 'initiatedBy', header: 'Actor', value: (a: DirectoryAudit) => a.initiatedBy.user?.userPrincipalName ?? a.initiatedBy.app?.displayName ?? null },
  { property: 'initiatedBy', header: 'Actor IP address', value: (a: DirectoryAudit) => a.initiatedBy.user?.ipAddress ?? null },
  { property: 'targetResources', header: 'Targets', value: (a: DirectoryAudit) => a.targetResources.map((target) => `${target.type}:${target.displayName ?? target.id}`).join('; ') },
  { property: 'targetResources', header: 'Modified properties', value: (a: DirectoryAudit) => a.targetResources.flatMap((target) => target.modifiedProperties.map((p) => `${p.displayName}: ${p.oldValue ?? ''} -> ${p.newValue ?? ''}`)).join('; ') },
  { property: 'additionalDetails', header: 'Additional details', value: (a: DirectoryAudit) => a.additionalDetails.map((detail) => `${detail.key}=${detail.value}`).join('; ') },
];

@ApiTags('audit logs')
@Controller('v1.0/auditLogs/directoryAudits')
export class DirectoryAuditsController implements OnModuleInit {
  constructor(@Inject(READ_DB) private readonly db: Database.Database, private readonly consumers: ConsumerHost, private readonly collections: GraphCollections) {}

  onModuleInit(): void {
    this.consumers.registerProjection(directoryAuditsProjection);
  }

  @Get()
  @Roles('analyst', 'admin')
  @ApiQuery({ name: '$filter', required: false, description: "e.g. activityDisplayName eq 'Add blocked user'; startswith(activityDisplayName,'Fraud'); targetResources/any(t: t/id eq 'alice')" })
  @ApiQuery({ name: '$top', required: false, description: 'page size, 1–1000 (default 1000)' })
  @ApiQuery({ name: '$orderby', required: false, description: 'activityDateTime [asc|desc] (default desc)' })
  @ApiQuery({ name: '$select', required: false })
  @ApiQuery({ name: '$count', required: false })
  @ApiQuery({ name: '$skip', required: false })
  @ApiQuery({ name: '$skiptoken', required: false, description: 'from @odata.nextLink' })
  @ApiHeader({ name: 'Accept', required: false, description: 'text/csv: the page as CSV for spreadsheets' })
  @ApiOperation({ summary: "Admin commands, settings changes, security info and fraud reports, newest first, in Graph's directoryAudit shape, with OData queries" })
  @ApiZodResponse(200, directoryAudits, 'A page of directory audits (CSV with Accept: text/csv)', ['text/csv'])
  list(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.collections.respond(this.db, directoryAuditsResource, request, response, (row: AuditRow) => toGraphDirectoryAudit(row), auditCsvColumns);
  }

  @Get(':id')
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: 'One directory audit by its id' })
  @ApiZodResponse(200, directoryAuditEntity, 'The directory audit')
  get(@Param('id', new ZodPipe(z.uuid({ error: 'an audit id is a UUID' }), 'path')) id: string) {
    const audit = directoryAudit(this.db, id);
    if (!audit) throw new DomainError('AUDIT_NOT_FOUND', 'notFound', `no directory audit ${id}`);
    return { '@odata.context': `${GRAPH_METADATA}#${ENTITY_SET}/$entity`, ...audit };
  }
}
