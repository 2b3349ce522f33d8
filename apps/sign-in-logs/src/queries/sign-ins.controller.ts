import { prepared } from '@bulwark/event-store';
import { Controller, Get, Inject, OnModuleInit } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DenialReason } from '@bulwark/contracts';
import { ConsumerHost, READ_DB, Roles } from '@bulwark/platform';
import Database from 'better-sqlite3';
import { bypassDetails, denialDetails, registrationDetails, REGISTRATION_REQUIRED_ERROR, signInsProjection } from '../projections/sign-ins.projection';
import { graphPage } from './graph-collection';

type SignInRow = {
  id: string; created_at: string; user_id: string; app_id: string | null; ip_address: string; user_agent: string | null;
  correlation_id: string; challenge_id: string; method_type: string | null; result: string; reason: string | null; error_code: number;
  method_id: string | null; channel: string | null; user_first_name: string | null; user_last_name: string | null; user_email: string | null;
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

export function toGraphSignIn(row: SignInRow) {
  const success = row.error_code === 0;
  const authMethod = row.channel === 'appPassword' ? authMethods.appPassword! : row.method_type ? (authMethods[`${row.method_type}/${row.channel}`] ?? row.method_type) : null;
  const detail =
    row.result === 'bypassed'
      ? bypassDetails[row.reason as keyof typeof bypassDetails]
      : row.result === 'interrupted'
        ? registrationDetails[row.reason as keyof typeof registrationDetails]
        : success
          ? 'MFA successfully completed'
          : denialDetails[row.reason as DenialReason];
  const failureReason = success
    ? null
    : row.error_code === REGISTRATION_REQUIRED_ERROR
      ? 'User needs to enroll for second factor authentication.'
      : 'Authentication failed during strong authentication request.';
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
    riskLevelAggregated: 'none',
    riskLevelDuringSignIn: 'none',
    riskState: 'none',
    riskEventTypes_v2: [],
    status: {
      errorCode: row.error_code,
      failureReason,
      additionalDetails: detail,
    },
    // which of the user's methods answered (two people sharing a mailbox each have their own authenticator)
    mfaDetail: { authMethod, authDetail: row.method_id },
    authenticationDetails: [
      { authenticationStepDateTime: row.created_at, authenticationMethod: authMethod, succeeded: success, authenticationStepResultDetail: detail },
    ],
  };
}

@ApiTags('audit logs')
@Controller('v1.0/auditLogs/signIns')
export class SignInsController implements OnModuleInit {
  constructor(@Inject(READ_DB) private readonly db: Database.Database, private readonly consumers: ConsumerHost) {}

  onModuleInit(): void {
    this.consumers.registerProjection(signInsProjection);
  }

  @Get()
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: "Every MFA attempt, newest first, in Graph's signIn shape" })
  list() {
    const rows = prepared<[], SignInRow>(this.db, 'SELECT * FROM sign_ins ORDER BY created_at DESC, id DESC LIMIT 1000').all();
    return graphPage('auditLogs/signIns', rows.map(toGraphSignIn), null);
  }
}
