import { prepared } from '@bulwark/event-store';
import { Controller, Get, Inject, OnModuleInit } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CLOCK, Clock, ConsumerHost, READ_DB, Roles } from '@bulwark/platform';
import Database from 'better-sqlite3';
import { lockoutsProjection } from '../projections/lockouts.projection';
import { riskProjection } from '../projections/risk.projection';

const GRAPH = 'https://graph.microsoft.com/v1.0/$metadata';

type DetectionRow = {
  id: string; user_id: string; risk_event_type: string; risk_level: string; risk_state: string; risk_detail: string;
  detection_timing_type: string; activity: string; source: string; ip_address: string | null; correlation_id: string | null;
  request_id: string | null; activity_at: string; detected_at: string; last_updated_at: string; additional_info: string;
};
type RiskyUserRow = { user_id: string; risk_level: string; risk_state: string; risk_detail: string; risk_last_updated_at: string };
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
  riskDetections() {
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
        riskDetail: row.risk_detail,
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

  @Get('v1.0/identityProtection/riskyUsers')
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: "Risky users in Graph's riskyUser shape" })
  riskyUsers() {
    const rows = prepared<[], RiskyUserRow>(this.db, 'SELECT * FROM risky_users ORDER BY risk_last_updated_at DESC, user_id LIMIT 500').all();
    return {
      '@odata.context': `${GRAPH}#identityProtection/riskyUsers`,
      value: rows.map((row) => ({
        id: row.user_id,
        isDeleted: false,
        isProcessing: false,
        riskLastUpdatedDateTime: row.risk_last_updated_at,
        riskLevel: row.risk_level,
        riskState: row.risk_state,
        riskDetail: row.risk_detail,
        userDisplayName: null,
        userPrincipalName: row.user_id,
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
