import { Controller, Get, Headers, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@bulwark/contracts';
import { prepared } from '@bulwark/event-store';
import { GraphCollections, READ_DB, Roles, userIdParam, ZodPipe, ApiZodResponse } from '@bulwark/platform';
import type { Request, Response } from 'express';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { HistoryRow } from '../../projections/risk.projection';
import { GRAPH, includesUnknownEnumMembers, riskyUser, riskyUserHistoryItem, riskyUsersResource } from '../graph-shapes';
import { riskOf } from '../user-risk.decider';
import { UserRiskStreams } from '../user-risk.streams';
import { riskyUserEntity, riskyUserHistory, riskyUsers } from '../../identity-protection.responses';

type RiskyUserRow = { user_id: string; risk_level: string; risk_state: string; risk_detail: string; risk_last_updated_at: string };

const asOfQuery = z.strictObject({
  asOf: z.iso.datetime({ offset: true, error: 'asOf is an ISO 8601 date and time, e.g. 2026-11-21T10:00:00Z' }).optional(),
});

@ApiTags('identity protection')
@Controller('v1.0/identityProtection/riskyUsers')
export class RiskyUsersController {
  constructor(@Inject(READ_DB) private readonly db: Database.Database, private readonly risk: UserRiskStreams, private readonly collections: GraphCollections) {}

  @Get()
  @Roles('analyst', 'admin')
  @ApiQuery({ name: '$filter', required: false, description: "e.g. riskLevel eq 'high'; riskState eq 'atRisk'; startswith(userPrincipalName,'a')" })
  @ApiQuery({ name: '$top', required: false, description: 'page size, 1–500 (default 20)' })
  @ApiQuery({ name: '$select', required: false })
  @ApiQuery({ name: '$count', required: false })
  @ApiQuery({ name: '$skiptoken', required: false, description: 'from @odata.nextLink' })
  @ApiOperation({ summary: "Risky users in Graph's riskyUser shape, most recently updated first, with OData $filter, $select, $count and paging" })
  @ApiZodResponse(200, riskyUsers, 'A page of risky users')
  list(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.collections.respond(this.db, riskyUsersResource, request, response, (row: RiskyUserRow, options) =>
      riskyUser(
        { userId: row.user_id, riskLevel: row.risk_level, riskState: row.risk_state, riskDetail: row.risk_detail, riskLastUpdatedDateTime: row.risk_last_updated_at },
        options.includeUnknownEnumMembers,
      ),
    );
  }

  @Get(':userId')
  @Roles('analyst', 'admin')
  @ApiQuery({ name: 'asOf', required: false, description: 'an ISO 8601 instant: the risk as it was then, rebuilt from the events up to it' })
  @ApiOperation({ summary: "One risky user in Graph's riskyUser shape, as committed now or as of an instant" })
  @ApiZodResponse(200, riskyUserEntity, 'The risky user')
  async get(
    @Param('userId', new ZodPipe(userIdParam, 'path')) userId: string,
    @Query(new ZodPipe(asOfQuery, 'query')) query: z.infer<typeof asOfQuery>,
    @Headers('prefer') prefer?: string,
  ) {
    // read from the user's stream, not the projection: exact now, and foldable up to any instant
    const state = query.asOf ? await this.risk.stateAt(userId, new Date(query.asOf)) : await this.risk.state(userId);
    if (!state || state.status === 'Unknown') {
      throw new DomainError('RISKY_USER_NOT_FOUND', 'notFound', query.asOf ? `user ${userId} had no risk detections at ${query.asOf}` : `user ${userId} has no risk detections`);
    }
    return { '@odata.context': `${GRAPH}#identityProtection/riskyUsers/$entity`, ...riskyUser({ userId, ...riskOf(state) }, includesUnknownEnumMembers(prefer)) };
  }

  @Get(':userId/history')
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: "A risky user's history (riskyUserHistoryItem, oldest first): detections, triage, the policy's remediation and what was done, with initiatedBy" })
  @ApiZodResponse(200, riskyUserHistory, 'The user’s risk history, oldest first')
  async history(@Param('userId', new ZodPipe(userIdParam, 'path')) userId: string, @Headers('prefer') prefer?: string) {
    if ((await this.risk.state(userId)).status === 'Unknown') throw new DomainError('RISKY_USER_NOT_FOUND', 'notFound', `user ${userId} has no risk detections`);
    const rows = prepared<[string], HistoryRow>(this.db, 'SELECT * FROM risky_user_history WHERE user_id = ? ORDER BY position LIMIT 1000').all(userId);
    const includeUnknown = includesUnknownEnumMembers(prefer);
    return {
      '@odata.context': `${GRAPH}#identityProtection/riskyUsers('${userId}')/history`,
      value: rows.map((row) => riskyUserHistoryItem(row, includeUnknown)),
    };
  }
}
