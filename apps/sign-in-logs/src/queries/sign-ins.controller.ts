import { Controller, Get, Inject, OnModuleInit, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { BOOLEAN, DATETIME, graphEnum, graphEnums, GraphResource, INT, scalar, STRING } from '@bulwark/odata';
import Database from 'better-sqlite3';
import type { Request, Response } from 'express';
import { DenialReason, RateLimitName } from '@bulwark/contracts';
import {
  bypassDetails, denialDetails, fraudReportDetail, registrationDetails, REGISTRATION_REQUIRED_ERROR, signInsProjection, throttleDetails,
} from '../projections/sign-ins.projection';
import { ConsumerHost, CsvColumn, GraphCollections, READ_DB, Roles, ApiZodResponse } from '@bulwark/platform';
import { signIns } from '../sign-in-logs.responses';

export type SignInRow = {
  id: string; created_at: string; user_id: string; app_id: string | null; ip_address: string; user_agent: string | null;
  correlation_id: string; challenge_id: string; method_type: string | null; result: string; reason: string | null; error_code: number;
  method_id: string | null; channel: string | null; method_detail: string | null; risk_level: string; risk_state: string; risk_event_types: string;
  user_first_name: string | null; user_last_name: string | null; user_email: string | null;
  server_name: string | null; server_ip: string | null; device_token_hint: string | null;
};

/** Entra's names for how the second factor was given. */
const authMethods: Record<string, string> = {
  'softwareOath/appCode': 'Mobile app verification code',
  'softwareOath/appNotification': 'Mobile app notification',
  'hardwareOath/appCode': 'OATH verification code',
  'phone/sms': 'Text message',
  'phone/voice': 'Phone call',
  appPassword: 'App password',
};

const legacyRiskEventTypes = new Set<string>([
  'unlikelyTravel', 'anonymizedIPAddress', 'maliciousIPAddress', 'unfamiliarFeatures', 'malwareInfectedIPAddress', 'suspiciousIPAddress', 'leakedCredentials',
  'investigationsThreatIntelligence', 'generic', 'adminConfirmedUserCompromised', 'mcasImpossibleTravel', 'mcasSuspiciousInboxManipulationRules',
  'investigationsThreatIntelligenceSigninLinked', 'maliciousIPAddressValidCredentialsBlockedIP',
]);

const FAILURE_REASON = 'Authentication failed during strong authentication request.';

function failureReasonOf(row: Pick<SignInRow, 'result' | 'reason' | 'error_code'>): string | null {
  if (row.error_code === 0) return null;
  if (row.error_code === REGISTRATION_REQUIRED_ERROR) return 'User needs to enroll for second factor authentication.';
  // the limit by its setting's name, as PUT /v1/settings/rateLimits and the 429 answer name it
  if (row.result === 'throttled') return `Too many requests: the sign-in was refused by the rate limit ${row.reason}.`;
  return FAILURE_REASON;
}

export function resultDetailOf(row: Pick<SignInRow, 'result' | 'reason' | 'error_code' | 'method_type' | 'channel'>): string {
  if (row.result === 'bypassed') return bypassDetails[row.reason as keyof typeof bypassDetails];
  if (row.result === 'interrupted') return registrationDetails[row.reason as keyof typeof registrationDetails];
  if (row.result === 'throttled') return throttleDetails[row.reason as RateLimitName];
  if (row.error_code === 0) return 'MFA successfully completed';
  if (row.reason === 'fraudReported') return fraudReportDetail(row.method_type, row.channel);
  return denialDetails[row.reason as DenialReason];
}

export function authMethodOf(row: Pick<SignInRow, 'channel' | 'method_type'>): string | null {
  if (row.channel === 'appPassword') return authMethods.appPassword!;
  return row.method_type ? (authMethods[`${row.method_type}/${row.channel}`] ?? row.method_type) : null;
}

/** Graph's signIn (v1.0), with the beta MFA details Sentinel's SigninLogs carry (authenticationDetails, mfaDetail). */
export function toGraphSignIn(row: SignInRow) {
  const success = row.error_code === 0;
  const authMethod = authMethodOf(row);
  const detail = resultDetailOf(row);
  const riskEventTypes = JSON.parse(row.risk_event_types) as string[];
  // a phone method shows its masked number, an app or token its method id
  const authDetail = row.method_detail ?? row.method_id;
  // only what the tenant's sign-in-log fields setting recorded: the user id stands in for a principal name otherwise
  const displayName = [row.user_first_name, row.user_last_name].filter(Boolean).join(' ') || null;
  return {
    id: row.id,
    createdDateTime: row.created_at,
    userDisplayName: displayName,
    userPrincipalName: row.user_email ?? row.user_id,
    userId: row.user_id,
    appId: row.app_id,
    appDisplayName: row.app_id,
    ipAddress: row.ip_address,
    clientAppUsed: 'Browser',
    userAgent: row.user_agent,
    correlationId: row.correlation_id,
    conditionalAccessStatus: 'notApplied',
    isInteractive: true,
    riskDetail: 'none',
    riskLevelAggregated: row.risk_level,
    riskLevelDuringSignIn: row.risk_level,
    riskState: row.risk_state,
    riskEventTypes: riskEventTypes.map((type) => (legacyRiskEventTypes.has(type) ? type : 'unknownFutureValue')),
    riskEventTypes_v2: riskEventTypes,
    status: {
      errorCode: row.error_code,
      failureReason: failureReasonOf(row),
      additionalDetails: detail,
    },
    // beta signIn's key/value processing details: which server answered, and the device token presented (masked)
    authenticationProcessingDetails: [
      ...(row.server_name ? [{ key: 'Server name', value: row.server_name }] : []),
      ...(row.server_ip ? [{ key: 'Server IP', value: row.server_ip }] : []),
      ...(row.device_token_hint ? [{ key: 'Device token', value: row.device_token_hint }] : []),
    ],
    authenticationRequirement: row.result === 'bypassed' ? 'singleFactorAuthentication' : 'multiFactorAuthentication',
    authenticationMethodsUsed: authMethod ? [authMethod] : [],
    // which of the user's methods answered (two people sharing a mailbox each have their own authenticator)
    mfaDetail: { authMethod, authDetail },
    authenticationDetails: [
      {
        authenticationStepDateTime: row.created_at,
        authenticationMethod: authMethod,
        authenticationMethodDetail: authDetail,
        succeeded: success,
        authenticationStepResultDetail: detail,
        authenticationStepRequirement: row.result === 'bypassed' ? null : 'Primary authentication',
      },
    ],
  };
}

const riskLevel = graphEnum('riskLevel');
/** What Graph lets a client filter signIns on (signIn's documented $filter support), and where each is in our rows. */
export const signInsResource: GraphResource = {
  entitySet: 'auditLogs/signIns',
  // the rows with their challenge's risk joined (the projection's view); ties in time are broken by commit order
  from: 'sign_ins_graph',
  columns: '*',
  key: 'position',
  filterable: {
    id: scalar('id', STRING, ['eq', 'in']),
    createdDateTime: scalar('created_at', DATETIME),
    userId: scalar('user_id', STRING, ['eq', 'ne', 'in']),
    userPrincipalName: scalar("COALESCE(user_email, user_id)", STRING),
    // as the tenant recorded them (first and last name), else null
    userDisplayName: scalar("NULLIF(TRIM(COALESCE(user_first_name, '') || ' ' || COALESCE(user_last_name, '')), '')", STRING),
    appId: scalar('app_id', STRING, ['eq', 'ne', 'in']),
    appDisplayName: scalar('app_id', STRING),
    ipAddress: scalar('ip_address', STRING),
    clientAppUsed: scalar("'Browser'", STRING, ['eq', 'ne']),
    correlationId: scalar('correlation_id', STRING, ['eq', 'in']),
    conditionalAccessStatus: scalar("'notApplied'", graphEnum('conditionalAccessStatus')),
    isInteractive: scalar('1', BOOLEAN),
    'status/errorCode': scalar('error_code', INT),
    riskDetail: scalar("'none'", graphEnum('riskDetail')),
    riskLevelAggregated: scalar('risk_level', riskLevel),
    riskLevelDuringSignIn: scalar('risk_level', riskLevel),
    riskState: scalar('risk_state', graphEnum('riskState')),
    riskEventTypes_v2: { kind: 'collection', sql: 'risk_event_types', element: STRING },
  },
  selectable: [
    'id', 'createdDateTime', 'userDisplayName', 'userPrincipalName', 'userId', 'appId', 'appDisplayName', 'ipAddress', 'clientAppUsed', 'userAgent', 'correlationId',
    'conditionalAccessStatus', 'isInteractive', 'riskDetail', 'riskLevelAggregated', 'riskLevelDuringSignIn', 'riskState', 'riskEventTypes', 'riskEventTypes_v2', 'status',
    'authenticationRequirement', 'authenticationMethodsUsed', 'mfaDetail', 'authenticationDetails', 'authenticationProcessingDetails',
  ],
  sortable: { createdDateTime: { sql: 'created_at', type: 'datetime' } },
  defaultOrder: { property: 'createdDateTime', key: { sql: 'created_at', type: 'datetime' }, direction: 'desc' },
  top: { default: 1000, max: 1000 },
  countable: true,
  skip: true,
};

/** The columns of the CSV download, as an analyst's spreadsheet wants them. */
export const signInCsvColumns: ReadonlyArray<CsvColumn<ReturnType<typeof toGraphSignIn>>> = [
  { property: 'createdDateTime', header: 'Date (UTC)', value: (s: ReturnType<typeof toGraphSignIn>) => s.createdDateTime },
  { property: 'id', header: 'Request ID', value: (s: ReturnType<typeof toGraphSignIn>) => s.id },
  { property: 'correlationId', header: 'Correlation ID', value: (s: ReturnType<typeof toGraphSignIn>) => s.correlationId },
  { property: 'userId', header: 'User ID', value: (s: ReturnType<typeof toGraphSignIn>) => s.userId },
  { property: 'userPrincipalName', header: 'User', value: (s: ReturnType<typeof toGraphSignIn>) => s.userPrincipalName },
  { property: 'appDisplayName', header: 'Application', value: (s: ReturnType<typeof toGraphSignIn>) => s.appDisplayName },
  { property: 'ipAddress', header: 'IP address', value: (s: ReturnType<typeof toGraphSignIn>) => s.ipAddress },
  { property: 'userAgent', header: 'User agent', value: (s: ReturnType<typeof toGraphSignIn>) => s.userAgent },
  { property: 'status', header: 'Status', value: (s: ReturnType<typeof toGraphSignIn>) => (s.status.errorCode === 0 ? 'Success' : 'Failure') },
  { property: 'status', header: 'Sign-in error code', value: (s: ReturnType<typeof toGraphSignIn>) => s.status.errorCode },
  { property: 'status', header: 'Failure reason', value: (s: ReturnType<typeof toGraphSignIn>) => s.status.failureReason },
  { property: 'status', header: 'Additional details', value: (s: ReturnType<typeof toGraphSignIn>) => s.status.additionalDetails },
  { property: 'mfaDetail', header: 'Authentication method', value: (s: ReturnType<typeof toGraphSignIn>) => s.mfaDetail.authMethod },
  { property: 'mfaDetail', header: 'Authentication method detail', value: (s: ReturnType<typeof toGraphSignIn>) => s.mfaDetail.authDetail },
  { property: 'riskLevelDuringSignIn', header: 'Risk level during sign-in', value: (s: ReturnType<typeof toGraphSignIn>) => s.riskLevelDuringSignIn },
  { property: 'riskState', header: 'Risk state', value: (s: ReturnType<typeof toGraphSignIn>) => s.riskState },
];

// graphEnums is read by the Swagger description below
const riskLevels = graphEnums.riskLevel.join(', ');

@ApiTags('audit logs')
@Controller('v1.0/auditLogs/signIns')
export class SignInsController implements OnModuleInit {
  constructor(@Inject(READ_DB) private readonly db: Database.Database, private readonly consumers: ConsumerHost, private readonly collections: GraphCollections) {}

  onModuleInit(): void {
    this.consumers.registerProjection(signInsProjection);
  }

  @Get()
  @Roles('analyst', 'admin')
  @ApiQuery({ name: '$filter', required: false, description: `e.g. status/errorCode eq 500121 and createdDateTime ge 2026-01-01T00:00:00Z; startswith(ipAddress,'203.0.113.'); riskLevelDuringSignIn (${riskLevels})` })
  @ApiQuery({ name: '$top', required: false, description: 'page size, 1–1000 (default 1000)' })
  @ApiQuery({ name: '$orderby', required: false, description: 'createdDateTime [asc|desc] (default desc)' })
  @ApiQuery({ name: '$select', required: false })
  @ApiQuery({ name: '$count', required: false, description: 'true: @odata.count on the first page' })
  @ApiQuery({ name: '$skip', required: false })
  @ApiQuery({ name: '$skiptoken', required: false, description: 'from @odata.nextLink' })
  @ApiHeader({ name: 'Accept', required: false, description: 'text/csv: the page as CSV for spreadsheets, the next page in a Link header' })
  @ApiOperation({ summary: "Every MFA attempt, newest first, in Graph's signIn shape, with OData $filter, $select, $orderby, $count and paging" })
  @ApiZodResponse(200, signIns, 'A page of sign-ins (CSV with Accept: text/csv)', ['text/csv'])
  list(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.collections.respond(this.db, signInsResource, request, response, toGraphSignIn, signInCsvColumns);
  }
}
