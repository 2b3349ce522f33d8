import { BOOLEAN, DATETIME, enumValue, graphEnum, GraphResource, includesUnknownEnumMembers, scalar, STRING } from '@bulwark/odata';
import { HistoryRow } from '../projections/risk.projection';

export const GRAPH = 'https://graph.microsoft.com/v1.0/$metadata';

/**
 * riskDetail is an evolvable enum: members after `unknownFutureValue` are returned only to a client that sends
 * `Prefer: include-unknown-enum-members`, and as `unknownFutureValue` otherwise (Graph's riskDetail documentation).
 */
export { includesUnknownEnumMembers };

export const graphRiskDetail = (detail: string, includeUnknown: boolean) => enumValue('riskDetail', detail, includeUnknown)!;

export type RiskyUserView = { userId: string; riskLevel: string; riskState: string; riskDetail: string; riskLastUpdatedDateTime: string | null };

/** Graph's riskyUser; we know no display name, and the user id is the principal name. */
export function riskyUser(view: RiskyUserView, includeUnknown: boolean) {
  return {
    id: view.userId,
    isDeleted: false,
    isProcessing: false,
    riskLastUpdatedDateTime: view.riskLastUpdatedDateTime,
    riskLevel: view.riskLevel,
    riskState: view.riskState,
    riskDetail: graphRiskDetail(view.riskDetail, includeUnknown),
    userDisplayName: null,
    userPrincipalName: view.userId,
  };
}

const riskLevel = graphEnum('riskLevel');
const riskState = graphEnum('riskState');
const riskDetail = graphEnum('riskDetail');

/** What Graph lets a client filter riskyUsers on, and where each is in our rows. $orderby: none in Graph. */
export const riskyUsersResource: GraphResource = {
  entitySet: 'identityProtection/riskyUsers',
  from: 'risky_users',
  columns: 'user_id, risk_level, risk_state, risk_detail, risk_last_updated_at',
  key: 'user_id',
  filterable: {
    id: scalar('user_id', STRING, ['eq', 'ne', 'in']),
    userPrincipalName: scalar('user_id', STRING),
    userDisplayName: scalar('NULL', STRING),
    riskLevel: scalar('risk_level', riskLevel),
    riskState: scalar('risk_state', riskState),
    riskDetail: scalar('risk_detail', riskDetail),
    riskLastUpdatedDateTime: scalar('risk_last_updated_at', DATETIME),
    isDeleted: scalar('0', BOOLEAN),
    isProcessing: scalar('0', BOOLEAN),
  },
  selectable: ['id', 'isDeleted', 'isProcessing', 'riskLastUpdatedDateTime', 'riskLevel', 'riskState', 'riskDetail', 'userDisplayName', 'userPrincipalName'],
  sortable: {},
  defaultOrder: { property: 'riskLastUpdatedDateTime', key: { sql: 'risk_last_updated_at', type: 'datetime' }, direction: 'desc' },
  top: { default: 20, max: 500 },
  countable: true,
  skip: false,
};

export type DetectionRow = {
  id: string; user_id: string; risk_event_type: string; risk_level: string; risk_state: string; risk_detail: string;
  detection_timing_type: string; activity: string; source: string; ip_address: string | null; correlation_id: string | null;
  request_id: string | null; activity_at: string; detected_at: string; last_updated_at: string; additional_info: string;
};

/** Graph's riskDetection. */
export function riskDetection(row: DetectionRow, includeUnknown: boolean) {
  return {
    id: row.id,
    requestId: row.request_id,
    correlationId: row.correlation_id,
    riskEventType: row.risk_event_type,
    riskState: row.risk_state,
    riskLevel: row.risk_level,
    riskDetail: graphRiskDetail(row.risk_detail, includeUnknown),
    source: row.source,
    detectionTimingType: row.detection_timing_type,
    activity: enumValue('activityType', row.activity, includeUnknown),
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
  };
}

/** What Graph lets a client filter riskDetections on. Graph: no $orderby, no $count, no $skip; 500 a page at most. */
export const riskDetectionsResource: GraphResource = {
  entitySet: 'identityProtection/riskDetections',
  from: 'risk_detections',
  columns: 'id, user_id, risk_event_type, risk_level, risk_state, risk_detail, detection_timing_type, activity, source, ip_address, correlation_id, request_id, activity_at, detected_at, last_updated_at, additional_info',
  key: 'id',
  filterable: {
    id: scalar('id', STRING, ['eq', 'in']),
    userId: scalar('user_id', STRING, ['eq', 'ne', 'in']),
    userPrincipalName: scalar('user_id', STRING),
    userDisplayName: scalar('NULL', STRING),
    riskEventType: scalar('risk_event_type', STRING, ['eq', 'ne', 'in', 'startswith']),
    riskLevel: scalar('risk_level', riskLevel),
    riskState: scalar('risk_state', riskState),
    riskDetail: scalar('risk_detail', riskDetail),
    detectionTimingType: scalar('detection_timing_type', graphEnum('riskDetectionTimingType')),
    activity: scalar('activity', graphEnum('activityType')),
    source: scalar('source', STRING, ['eq', 'ne', 'in']),
    tokenIssuerType: scalar("'AzureAD'", graphEnum('tokenIssuerType')),
    ipAddress: scalar('ip_address', STRING),
    correlationId: scalar('correlation_id', STRING, ['eq', 'in']),
    requestId: scalar('request_id', STRING, ['eq', 'in']),
    activityDateTime: scalar('activity_at', DATETIME),
    detectedDateTime: scalar('detected_at', DATETIME),
    lastUpdatedDateTime: scalar('last_updated_at', DATETIME),
  },
  selectable: [
    'id', 'requestId', 'correlationId', 'riskEventType', 'riskState', 'riskLevel', 'riskDetail', 'source', 'detectionTimingType', 'activity', 'tokenIssuerType',
    'ipAddress', 'location', 'activityDateTime', 'detectedDateTime', 'lastUpdatedDateTime', 'userId', 'userDisplayName', 'userPrincipalName', 'additionalInfo',
  ],
  sortable: {},
  defaultOrder: { property: 'detectedDateTime', key: { sql: 'detected_at', type: 'datetime' }, direction: 'desc' },
  top: { default: 20, max: 500 },
  countable: false,
  skip: false,
};

/** Graph's riskyUserHistoryItem, with the event behind it as instance annotations (which Graph clients ignore). */
export function riskyUserHistoryItem(row: HistoryRow, includeUnknown: boolean) {
  const detail = graphRiskDetail(row.risk_detail, includeUnknown);
  return {
    ...riskyUser(
      { userId: row.user_id, riskLevel: row.risk_level, riskState: row.risk_state, riskDetail: row.risk_detail, riskLastUpdatedDateTime: row.risk_last_updated_at },
      includeUnknown,
    ),
    id: row.event_id,
    userId: row.user_id,
    initiatedBy: row.initiated_by,
    activity: { detail, riskEventTypes: JSON.parse(row.risk_event_types) as string[] },
    '@bulwark.eventType': row.event_type,
    '@bulwark.occurredDateTime': row.at,
    '@bulwark.note': row.note,
  };
}
