import { prepared } from '@bulwark/event-store';
import { Controller, Get, Inject, OnModuleInit, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CLOCK, Clock, ConsumerHost, GraphCollections, READ_DB, Roles, ApiZodResponse } from '@bulwark/platform';
import Database from 'better-sqlite3';
import { lockoutsProjection } from '../projections/lockouts.projection';
import { riskProjection } from '../projections/risk.projection';
import type { Request, Response } from 'express';
import { DetectionRow, riskDetection, riskDetectionsResource } from '../user-risk/graph-shapes';
import { currentLockouts, riskDetections } from '../identity-protection.responses';


type LockoutRow = { user_id: string; locked_at: string; locked_until: string | null; caused_by: string; factor: string | null; settings_version: number };

@ApiTags('identity protection')
@Controller()
export class IdentityProtectionController implements OnModuleInit {
  constructor(@Inject(READ_DB) private readonly db: Database.Database, private readonly consumers: ConsumerHost, @Inject(CLOCK) private readonly clock: Clock, private readonly collections: GraphCollections) {}

  onModuleInit(): void {
    this.consumers.registerProjection(riskProjection);
    this.consumers.registerProjection(lockoutsProjection);
  }

  @Get('v1.0/identityProtection/riskDetections')
  @Roles('analyst', 'admin')
  @ApiQuery({ name: '$filter', required: false, description: "e.g. riskLevel eq 'high' and detectedDateTime ge 2026-01-01T00:00:00Z; userId eq 'alice'" })
  @ApiQuery({ name: '$top', required: false, description: 'page size, 1–500 (default 20)' })
  @ApiQuery({ name: '$select', required: false })
  @ApiQuery({ name: '$skiptoken', required: false, description: 'from @odata.nextLink' })
  @ApiOperation({ summary: "Risk detections in Graph's riskDetection shape, newest first, with OData $filter, $select and paging" })
  @ApiZodResponse(200, riskDetections, 'A page of risk detections')
  riskDetections(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.collections.respond(this.db, riskDetectionsResource, request, response, (row: DetectionRow, options) => riskDetection(row, options.includeUnknownEnumMembers));
  }

  @Get('v1/lockouts')
  @Roles('admin', 'analyst')
  @ApiOperation({ summary: 'Users locked out now: since when, until when, and the denials that caused it' })
  @ApiZodResponse(200, currentLockouts, 'The users locked out now')
  lockouts() {
    const now = this.clock.now().toISOString();
    // a lock whose time has passed is over even if no request has touched the user since
    const rows = prepared<[string], LockoutRow>(this.db, 'SELECT * FROM lockouts WHERE locked_until IS NULL OR locked_until > ? ORDER BY locked_at DESC')
      .all(now);
    return {
      value: rows.map((row) => ({
        userId: row.user_id,
        lockedDateTime: row.locked_at,
        lockedUntilDateTime: row.locked_until,
        causedByChallengeIds: JSON.parse(row.caused_by) as string[],
        /** which counter reached the threshold: oneTimeCode or push */
        factor: row.factor,
        settingsVersion: row.settings_version,
      })),
    };
  }
}
