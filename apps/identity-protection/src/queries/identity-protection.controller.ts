import { prepared } from '@bulwark/event-store';
import { Controller, Get, Headers, Inject, OnModuleInit } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CLOCK, Clock, ConsumerHost, READ_DB, Roles } from '@bulwark/platform';
import Database from 'better-sqlite3';
import { lockoutsProjection } from '../projections/lockouts.projection';
import { riskProjection } from '../projections/risk.projection';
import { GRAPH, graphRiskDetail, includesUnknownEnumMembers } from '../user-risk/graph-shapes';


type DetectionRow = {
  id: string; user_id: string; risk_event_type: string; risk_level: string; risk_state: string; risk_detail: string;
  detection_timing_type: string; activity: string; source: string; ip_address: string | null; correlation_id: string | null;
  request_id: string | null; activity_at: string; detected_at: string; last_updated_at: string; additional_info: string;
};
type LockoutRow = { user_id: string; locked_at: string; locked_until: string | null; caused_by: string; factor: string | null; settings_version: number };

@ApiTags('identity protection')
@Controller()
export class IdentityProtectionController implements OnModuleInit {
  constructor(@Inject(READ_DB) private readonly db: Database.Database, private readonly consumers: ConsumerHost, @Inject(CLOCK) private readonly clock: Clock) {}

  onModuleInit(): void {
    this.consumers.registerProjection(riskProjection);
    this.consumers.registerProjection(lockoutsProjection);
  }

  @Get('v1.0/identityProtection/riskDetections')
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: "Risk detections in Graph's riskDetection shape, newest first" })
  riskDetections(@Headers('prefer') prefer?: string) {
    const includeUnknown = includesUnknownEnumMembers(prefer);
    const rows = prepared<[], DetectionRow>(this.db, 'SELECT * FROM risk_detections ORDER BY detected_at DESC, id LIMIT 500').all();
    return {
      '@odata.context': `${GRAPH}#identityProtection/riskDetections`,
      value: rows.map((row) => ({
        id: row.id,
        requestId: row.request_id,
        correlationId: row.correlation_id,
        riskEventType: row.risk_event_type,
        riskState: row.risk_state,
        riskLevel: row.risk_level,
        riskDetail: graphRiskDetail(row.risk_detail, includeUnknown),
        source: row.source,
        detectionTimingType: row.detection_timing_type,
        activity: row.activity,
        tokenIssuerType: 'AzureAD',
        ipAddress: row.ip_address,
        location: null,
        activityDateTime: row.activity_at,
        detectedDateTime: row.detected_at,
        lastUpdatedDateTime: row.last_updated_at,
        userId: row.user_id,
        userDisplayName: null,
        userPrincipalName: row.user_id,
        additionalInfo: row.additional_info,
      })),
    };
  }

  @Get('v1/lockouts')
  @Roles('admin', 'analyst')
  @ApiOperation({ summary: 'Users locked out now: since when, until when, and the denials that caused it' })
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
