import { ExportEvent } from './privacy';

/**
 * What each domain event means to a SIEM, once, for all three formats: its class and activity, outcome,
 * severity, signature, subject and the facts each format renders. docs/formats/SIEM.md §5 is the source of
 * the choices; where it names no mapping (events it predates) the choice is ours and follows the same rules.
 * Severities: OCSF severity_id and a CEF severity inside that id's band (1 → 0–2, 2 → 3, 3 → 4–6, 4 → 7–8, 5 → 9–10).
 */

export type Outcome = 'success' | 'failure' | 'unknown';
export type SeverityId = 1 | 2 | 3 | 4 | 5;
export type RiskLevel = 'none' | 'low' | 'medium' | 'high';

export type AuthFactor = {
  /** OCSF auth_factor.factor_type_id */
  factorTypeId: number;
  factorType: string;
  /** CEF cs2 AuthMethod, ECS bulwark.mfa.method: Entra's method names */
  authMethod: string;
  isTotp?: boolean;
  isHotp?: boolean;
  /** masked: all but the last digits hidden */
  phoneNumber?: string;
};

export type Finding = {
  uid: string;
  title: string;
  types: string[];
  /** OCSF 2004 activity: 1 Create, 2 Update, 3 Close */
  activityId: 1 | 2 | 3;
  /** OCSF finding status: 1 New, 2 In Progress, 4 Resolved */
  statusId: 1 | 2 | 4;
  /** evidences verdict: 1 False Positive, 2 True Positive */
  verdictId?: 1 | 2;
  riskLevel?: RiskLevel;
  riskState: string;
  riskDetail?: string;
  remediation?: string;
  isAlert: boolean;
  firstSeen?: string;
};

export type Description = {
  /** CEF Name; also the start of OCSF message */
  title: string;
  message: string;
  outcome: Outcome;
  severityId: SeverityId;
  cefSeverity: number;
  /** ECS event.dataset suffix, OCSF metadata.log_name suffix */
  area: 'mfa' | 'risk' | 'users' | 'sessions' | 'tokens' | 'settings' | 'notifications';
  /** the user the event is about (its Kafka key); null for tenant-wide events */
  userId: string | null;
  ip?: string;
  userAgent?: string;
  appId?: string;
  sessionId?: string;
  factor?: AuthFactor;
  /** machine reason (camelCase), ECS event.reason, CEF reason */
  reason?: string;
  /** Entra-style code: OCSF status_code, ECS error.code, CEF cn1 */
  errorCode?: string;
  attempts?: number;
  finding?: Finding;
  /** OCSF 3004 managed entity */
  entity?: { type: string; uid: string; name?: string; data?: Record<string, unknown> };
  oathSerial?: string;
  ocsf: {
    classUid: 3002 | 3001 | 2004 | 3004;
    activityId: number;
    /** required when activityId is 99 (Other) */
    activityName?: string;
    statusId?: number;
    statusDetail?: string;
    isMfa?: boolean;
    /** security_control profile: the MFA denial as a control decision */
    control?: { actionId: 1 | 2; dispositionId: number };
    sessionExpirationReason?: string;
  };
  ecs: { kind: 'event' | 'alert'; category: string[]; type: string[]; action: string };
  cef: { signatureId: number; act: string; category: string };
};

type Data = Record<string, unknown>;
const str = (data: Data, key: string): string | undefined => (typeof data[key] === 'string' ? (data[key] as string) : undefined);
const num = (data: Data, key: string): number | undefined => (typeof data[key] === 'number' ? (data[key] as number) : undefined);
const strings = (data: Data, key: string): string[] => (Array.isArray(data[key]) ? (data[key] as unknown[]).filter((v): v is string => typeof v === 'string') : []);
const subject = (data: Data) => str(data, 'userId') ?? null;

/** An attempt's context: who, from where, with which app. */
const attempt = (data: Data) => ({
  userId: subject(data),
  ip: str(data, 'clientIp') ?? str(data, 'ipAddress'),
  userAgent: str(data, 'userAgent'),
  appId: str(data, 'appId'),
});

const methodFactors: Record<string, AuthFactor> = {
  softwareOath: { factorTypeId: 7, factorType: 'OTP', authMethod: 'SoftwareOath', isTotp: true },
  hardwareOath: { factorTypeId: 6, factorType: 'Hardware Token', authMethod: 'HardwareOath' },
  phone: { factorTypeId: 1, factorType: 'SMS', authMethod: 'Phone' },
  appPassword: { factorTypeId: 11, factorType: 'Password', authMethod: 'AppPassword' },
};
const channelFactors: Record<string, AuthFactor> = {
  appCode: { factorTypeId: 7, factorType: 'OTP', authMethod: 'PhoneAppOTP', isTotp: true },
  appNotification: { factorTypeId: 5, factorType: 'Push Notification', authMethod: 'PhoneAppNotification' },
  sms: { factorTypeId: 1, factorType: 'SMS', authMethod: 'Sms' },
  voice: { factorTypeId: 3, factorType: 'Phone Call', authMethod: 'Voice' },
  appPassword: { factorTypeId: 11, factorType: 'Password', authMethod: 'AppPassword' },
};

/** The factor of an attempt: by channel, a code from a hardware token being a hardware token. */
function attemptFactor(data: Data): AuthFactor | undefined {
  const channel = str(data, 'channel');
  const methodType = str(data, 'methodType');
  if ((channel === undefined || channel === 'appCode') && methodType && methodFactors[methodType]) return methodFactors[methodType];
  if (channel && channelFactors[channel]) return channelFactors[channel];
  // challenges issued before channels existed were answered with an app code
  return channel === undefined ? channelFactors.appCode : { factorTypeId: 99, factorType: channel, authMethod: channel };
}

function methodFactor(data: Data): AuthFactor | undefined {
  const methodType = str(data, 'methodType');
  if (!methodType) return undefined;
  const factor = methodFactors[methodType] ?? { factorTypeId: 99, factorType: methodType, authMethod: methodType };
  const phone = str(data, 'phoneNumber');
  return phone ? { ...factor, phoneNumber: phone } : factor;
}

/** MfaDenied, one signature per reason (SIEM content keys on it): Entra's 500121 text where Entra has one. */
const denials: Record<string, { severityId: SeverityId; cef: number; signature: number; title: string; detail: string; disposition: number }> = {
  wrongCode: { severityId: 3, cef: 4, signature: 1101, title: 'MFA denied: wrong code', detail: 'MFA denied; invalid verification code', disposition: 25 },
  timeout: { severityId: 2, cef: 3, signature: 1102, title: 'MFA denied: timeout', detail: 'MFA denied; user did not respond to mobile app notification', disposition: 25 },
  userDeclined: { severityId: 3, cef: 4, signature: 1103, title: 'MFA denied: user declined', detail: 'MFA Denied; user declined the authentication', disposition: 25 },
  fraudReported: { severityId: 4, cef: 8, signature: 1104, title: 'MFA denied: fraud reported', detail: 'MFA denied; Phone App Reported Fraud', disposition: 25 },
  userBlocked: { severityId: 3, cef: 6, signature: 1105, title: 'MFA denied: user blocked', detail: 'MFA denied; user is blocked', disposition: 2 },
  lockedOut: { severityId: 3, cef: 6, signature: 1106, title: 'MFA denied: locked out', detail: 'MFA denied; account is locked', disposition: 2 },
  replayedCode: { severityId: 4, cef: 7, signature: 1107, title: 'MFA denied: replayed code', detail: 'MFA denied; duplicate authentication attempt', disposition: 25 },
  methodDisabled: { severityId: 2, cef: 3, signature: 1108, title: 'MFA denied: method disabled', detail: 'MFA denied; authentication method disabled', disposition: 25 },
  expired: { severityId: 2, cef: 3, signature: 1109, title: 'MFA denied: code expired', detail: 'MFA denied; verification code expired', disposition: 25 },
  wrongNumber: { severityId: 3, cef: 5, signature: 1110, title: 'MFA denied: wrong number', detail: 'MFA denied; user entered the wrong number', disposition: 25 },
  superseded: { severityId: 1, cef: 2, signature: 1111, title: 'MFA denied: code superseded', detail: 'MFA denied; a newer code was sent', disposition: 25 },
};
const unknownDenial = { severityId: 3 as SeverityId, cef: 5, signature: 1199, title: 'MFA denied', detail: 'MFA denied', disposition: 25 };

const riskSeverity: Record<RiskLevel, { severityId: SeverityId; cef: number }> = {
  none: { severityId: 1, cef: 1 },
  low: { severityId: 2, cef: 3 },
  medium: { severityId: 3, cef: 5 },
  high: { severityId: 4, cef: 8 },
};
const riskLevelOf = (value: string | undefined): RiskLevel => (value === 'low' || value === 'medium' || value === 'high' ? value : 'none');

/** An IAM change to one user (OCSF 3001 Account Change; 3007 activities noted for the day consumers move). */
function accountChange(
  event: ExportEvent,
  spec: { activityId: number; activityName?: string; title: string; severityId: SeverityId; cefSeverity: number; signature: number; act: string; ecsType: string; action: string; outcome?: Outcome },
): Description {
  const data = event.data;
  const target = subject(data);
  return {
    title: spec.title,
    message: target ? `${spec.title}: ${target}` : spec.title,
    outcome: spec.outcome ?? 'success',
    severityId: spec.severityId,
    cefSeverity: spec.cefSeverity,
    area: 'users',
    userId: target,
    reason: str(data, 'reason'),
    ocsf: { classUid: 3001, activityId: spec.activityId, activityName: spec.activityName, statusId: spec.outcome === 'failure' ? 2 : 1 },
    ecs: { kind: 'event', category: ['iam'], type: ['user', spec.ecsType], action: spec.action },
    cef: { signatureId: spec.signature, act: spec.act, category: '/UserManagement' },
  };
}

/** A tenant setting changed (OCSF 3004 Update of a policy entity). */
function settingsChange(event: ExportEvent, spec: { name: string; title: string; signature: number; area?: Description['area'] }): Description {
  const { at: _at, ...settings } = event.data;
  return {
    title: spec.title,
    message: `${spec.title} (version ${num(event.data, 'version') ?? '?'})`,
    outcome: 'success',
    severityId: 3,
    cefSeverity: 4,
    area: spec.area ?? 'settings',
    userId: null,
    entity: { type: 'policy', uid: spec.name, name: spec.name, data: settings },
    ocsf: { classUid: 3004, activityId: 3, statusId: 1 },
    ecs: { kind: 'event', category: ['configuration'], type: ['change'], action: kebab(event.type) },
    cef: { signatureId: spec.signature, act: 'update', category: '/Configuration' },
  };
}

/** The token inventory (OCSF 3004 on a hardware OATH token or an import job). */
function inventory(
  event: ExportEvent,
  spec: { activityId: number; activityName?: string; title: string; signature: number; act: string; ecsType: string; outcome?: Outcome; severityId?: SeverityId; cefSeverity?: number; entity: Description['entity'] },
): Description {
  const data = event.data;
  return {
    title: spec.title,
    message: `${spec.title}: ${spec.entity!.name ?? spec.entity!.uid}`,
    outcome: spec.outcome ?? 'success',
    severityId: spec.severityId ?? 1,
    cefSeverity: spec.cefSeverity ?? 2,
    area: 'tokens',
    userId: subject(data),
    reason: str(data, 'reason'),
    oathSerial: str(data, 'serialNumber'),
    entity: spec.entity,
    ocsf: { classUid: 3004, activityId: spec.activityId, activityName: spec.activityName, statusId: spec.outcome === 'failure' ? 2 : 1 },
    ecs: { kind: 'event', category: ['iam'], type: [spec.ecsType], action: kebab(event.type) },
    cef: { signatureId: spec.signature, act: spec.act, category: '/Tokens' },
  };
}

/** A user's risk finding changed by an analyst or the policy (OCSF 2004 on the per-user finding). */
function riskyUser(
  event: ExportEvent,
  spec: { title: string; signature: number; act: string; finding: Omit<Finding, 'uid' | 'title' | 'types' | 'isAlert'>; severityId: SeverityId; cefSeverity: number },
): Description {
  const userId = subject(event.data) ?? 'unknown';
  return {
    title: spec.title,
    message: `${spec.title}: ${userId}`,
    outcome: 'success',
    severityId: spec.severityId,
    cefSeverity: spec.cefSeverity,
    area: 'risk',
    userId,
    finding: { uid: `riskyUser:${userId}`, title: spec.title, types: [], isAlert: false, ...spec.finding },
    ocsf: { classUid: 2004, activityId: spec.finding.activityId, statusId: spec.finding.statusId },
    ecs: { kind: 'event', category: ['iam'], type: ['user', 'change'], action: kebab(event.type) },
    cef: { signatureId: spec.signature, act: spec.act, category: '/IdentityProtection/Risk' },
  };
}

export const kebab = (type: string) => type.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/** Every event type the export knows, registered here or (risk, notifications) in libs/contracts on other branches. */
export const catalog: Record<string, (event: ExportEvent) => Description> = {
  // --- sign-in: OCSF 3002 Authentication --------------------------------------------------------------------------
  MfaApproved: (event) => {
    const data = event.data;
    return {
      title: 'MFA approved',
      message: `MFA approved for ${subject(data)}`,
      outcome: 'success',
      severityId: 1,
      cefSeverity: 1,
      area: 'mfa',
      ...attempt(data),
      sessionId: str(data, 'sessionId'),
      factor: attemptFactor(data),
      errorCode: '0',
      ocsf: { classUid: 3002, activityId: 1, statusId: 1, statusDetail: 'MFA successfully completed', isMfa: true, control: { actionId: 1, dispositionId: 1 } },
      ecs: { kind: 'event', category: ['authentication'], type: ['start'], action: 'mfa-approved' },
      cef: { signatureId: 1001, act: 'approve', category: '/Authentication/MFA' },
    };
  },
  MfaDenied: (event) => {
    const data = event.data;
    const reason = str(data, 'reason') ?? 'unknown';
    const denial = denials[reason] ?? unknownDenial;
    return {
      title: denial.title,
      message: `${denial.detail} (${subject(data)})`,
      outcome: 'failure',
      severityId: denial.severityId,
      cefSeverity: denial.cef,
      area: 'mfa',
      ...attempt(data),
      factor: attemptFactor(data),
      reason,
      errorCode: '500121',
      ocsf: { classUid: 3002, activityId: 1, statusId: 2, statusDetail: denial.detail, isMfa: true, control: { actionId: 2, dispositionId: denial.disposition } },
      ecs: { kind: 'event', category: ['authentication'], type: ['start'], action: 'mfa-denied' },
      cef: { signatureId: denial.signature, act: 'deny', category: '/Authentication/MFA' },
    };
  },
  MfaThrottled: (event) => {
    const data = event.data;
    const limit = str(data, 'limit') ?? 'unknown';
    const detail = `MFA throttled; rate limit ${limit} reached until ${str(data, 'until') ?? '?'}`;
    return {
      title: 'MFA throttled',
      message: `${detail} (${subject(data)})`,
      outcome: 'failure',
      severityId: 3,
      cefSeverity: 5,
      area: 'mfa',
      ...attempt(data),
      reason: limit,
      // Entra's "the account is locked, too many sign-in attempts" is the nearest of its codes
      errorCode: '50053',
      ocsf: { classUid: 3002, activityId: 1, statusId: 2, statusDetail: detail, isMfa: true, control: { actionId: 2, dispositionId: 2 } },
      ecs: { kind: 'event', category: ['authentication'], type: ['start'], action: 'mfa-throttled' },
      cef: { signatureId: 1005, act: 'throttle', category: '/Authentication/MFA' },
    };
  },
  RegistrationRequiredAtSignIn: (event) => {
    const data = event.data;
    const reason = str(data, 'reason') ?? 'noMethods';
    const detail = reason === 'methodsDisabled' ? 'MFA registration required; every registered method is disabled' : 'MFA registration required; no method registered';
    return {
      title: 'MFA registration required',
      message: `${detail} (${subject(data)})`,
      outcome: 'failure',
      severityId: 2,
      cefSeverity: 3,
      area: 'mfa',
      ...attempt(data),
      reason,
      // Entra's "the user must enroll for second factor authentication"
      errorCode: '50072',
      ocsf: { classUid: 3002, activityId: 1, statusId: 2, statusDetail: detail, isMfa: true, control: { actionId: 2, dispositionId: 2 } },
      ecs: { kind: 'event', category: ['authentication'], type: ['start'], action: 'mfa-registration-required' },
      cef: { signatureId: 1004, act: 'interrupt', category: '/Authentication/MFA' },
    };
  },
  MfaChallengeIssued: (event) => {
    const data = event.data;
    return {
      title: 'MFA challenge issued',
      message: `MFA challenge issued to ${subject(data)}`,
      outcome: 'unknown',
      severityId: 1,
      cefSeverity: 1,
      area: 'mfa',
      ...attempt(data),
      factor: attemptFactor(data),
      // the second factor asked for: its outcome follows as MfaApproved or MfaDenied
      ocsf: { classUid: 3002, activityId: 99, activityName: 'MFA Challenge', isMfa: true },
      ecs: { kind: 'event', category: ['authentication'], type: ['start'], action: 'mfa-challenge-issued' },
      cef: { signatureId: 1002, act: 'challenge', category: '/Authentication/MFA' },
    };
  },
  MfaBypassed: (event) => {
    const data = event.data;
    const reason = str(data, 'reason');
    return {
      title: 'MFA not required',
      message: `Sign-in of ${subject(data)} skipped MFA: ${reason}`,
      outcome: 'success',
      severityId: 2,
      cefSeverity: 3,
      area: 'mfa',
      ...attempt(data),
      sessionId: str(data, 'sessionId'),
      reason,
      errorCode: '0',
      ocsf: { classUid: 3002, activityId: 1, statusId: 1, statusDetail: `MFA requirement skipped; ${reason}`, isMfa: false, control: { actionId: 1, dispositionId: 1 } },
      ecs: { kind: 'event', category: ['authentication'], type: ['start'], action: 'mfa-bypassed' },
      cef: { signatureId: 1003, act: 'bypass', category: '/Authentication/MFA' },
    };
  },
  SessionsRevoked: (event) => {
    const data = event.data;
    return {
      title: 'Sign-in sessions revoked',
      message: `All sign-in sessions of ${subject(data)} revoked`,
      outcome: 'success',
      severityId: 3,
      cefSeverity: 5,
      area: 'sessions',
      userId: subject(data),
      reason: str(data, 'reason') ?? undefined,
      // 3002 Logoff with the session revoked: Splunk maps 3002 to CIM Authentication
      ocsf: { classUid: 3002, activityId: 2, statusId: 1, sessionExpirationReason: 'revoked' },
      ecs: { kind: 'event', category: ['session'], type: ['end'], action: 'sessions-revoked' },
      cef: { signatureId: 3007, act: 'revoke', category: '/UserManagement' },
    };
  },

  // --- findings: OCSF 2004 Detection Finding ---------------------------------------------------------------------
  SuspiciousActivityReported: (event) => {
    const data = event.data;
    return {
      title: 'Suspicious activity reported',
      message: `${subject(data)} reported an MFA request they did not make`,
      outcome: 'unknown',
      severityId: 3,
      cefSeverity: 6,
      area: 'risk',
      ...attempt(data),
      factor: attemptFactor(data),
      finding: {
        uid: `userReportedSuspiciousActivity:${str(data, 'challengeId')}`,
        title: 'User reported suspicious activity',
        types: ['userReportedSuspiciousActivity'],
        activityId: 1,
        statusId: 1,
        riskLevel: 'high',
        riskState: 'atRisk',
        isAlert: true,
        firstSeen: str(data, 'at'),
      },
      ocsf: { classUid: 2004, activityId: 1, statusId: 1 },
      ecs: { kind: 'alert', category: ['iam'], type: ['user', 'info'], action: 'suspicious-activity-reported' },
      cef: { signatureId: 2002, act: 'report', category: '/IdentityProtection/Risk' },
    };
  },
  RiskDetected: (event) => {
    const data = event.data;
    const level = riskLevelOf(str(data, 'riskLevel'));
    const eventType = str(data, 'riskEventType') ?? 'generic';
    return {
      title: `Risk detected: ${eventType}`,
      message: str(data, 'detail') ?? `Risk detected for ${subject(data)}: ${eventType}`,
      outcome: 'unknown',
      severityId: riskSeverity[level].severityId,
      cefSeverity: riskSeverity[level].cef,
      area: 'risk',
      userId: subject(data),
      ip: str(data, 'ipAddress'),
      finding: {
        uid: str(data, 'detectionId') ?? event.eventId,
        title: eventType,
        types: [eventType],
        activityId: 1,
        statusId: 1,
        riskLevel: level,
        riskState: 'atRisk',
        isAlert: true,
        firstSeen: str(data, 'activityAt') ?? str(data, 'at'),
      },
      ocsf: { classUid: 2004, activityId: 1, statusId: 1 },
      ecs: { kind: 'alert', category: ['iam'], type: ['user', 'info'], action: 'risk-detected' },
      cef: { signatureId: 2001, act: 'detect', category: '/IdentityProtection/Risk' },
    };
  },
  RiskyUserConfirmedCompromised: (event) =>
    riskyUser(event, {
      title: 'User confirmed compromised',
      signature: 2003,
      act: 'confirmCompromised',
      severityId: 4,
      cefSeverity: 8,
      finding: { activityId: 2, statusId: 2, verdictId: 2, riskLevel: 'high', riskState: 'confirmedCompromised', riskDetail: 'adminConfirmedUserCompromised' },
    }),
  RiskyUserConfirmedSafe: (event) =>
    riskyUser(event, {
      title: 'User confirmed safe',
      signature: 2004,
      act: 'confirmSafe',
      severityId: 1,
      cefSeverity: 1,
      finding: { activityId: 3, statusId: 4, verdictId: 1, riskLevel: 'none', riskState: 'confirmedSafe', riskDetail: 'adminConfirmedAccountSafe' },
    }),
  RiskyUserDismissed: (event) =>
    riskyUser(event, {
      title: 'User risk dismissed',
      signature: 2005,
      act: 'dismiss',
      severityId: 1,
      cefSeverity: 1,
      finding: { activityId: 3, statusId: 4, verdictId: 1, riskLevel: 'none', riskState: 'dismissed', riskDetail: 'adminDismissedAllRiskForUser' },
    }),
  RiskRemediationRequested: (event) => {
    const data = event.data;
    const level = riskLevelOf(str(data, 'riskLevel'));
    const actions = strings(data, 'actions');
    const reportOnly = data.reportOnly === true;
    const title = reportOnly ? 'Risk remediation (report only)' : 'Risk remediation requested';
    return {
      ...riskyUser(event, {
        title,
        signature: 2006,
        act: 'remediate',
        severityId: riskSeverity[level].severityId,
        cefSeverity: riskSeverity[level].cef,
        finding: { activityId: 2, statusId: 2, riskLevel: level, riskState: 'atRisk', remediation: `${reportOnly ? 'would ' : ''}${actions.join(', ') || 'none'}` },
      }),
      message: `${title} for ${subject(data)}: ${actions.join(', ')}`,
      reason: reportOnly ? 'reportOnly' : undefined,
    };
  },

  // --- account changes: OCSF 3001 Account Change ----------------------------------------------------------------
  MethodRegistered: (event) => ({
    ...accountChange(event, { activityId: 10, title: 'MFA method registered', severityId: 1, cefSeverity: 2, signature: 3005, act: 'register', ecsType: 'change', action: 'mfa-method-registered' }),
    factor: methodFactor(event.data),
  }),
  AuthenticatorAppAdded: (event) => ({
    ...accountChange(event, { activityId: 99, activityName: 'MFA Factor Pending', title: 'Authenticator app added, pending activation', severityId: 1, cefSeverity: 1, signature: 3010, act: 'add', ecsType: 'change', action: 'authenticator-app-added' }),
    factor: methodFactors.softwareOath,
  }),
  MethodRemoved: (event) => ({
    ...accountChange(event, { activityId: 11, title: 'MFA method removed', severityId: 3, cefSeverity: 4, signature: 3006, act: 'remove', ecsType: 'change', action: 'mfa-method-removed' }),
    factor: methodFactor(event.data),
  }),
  DefaultMethodChanged: (event) =>
    accountChange(event, { activityId: 99, activityName: 'Default MFA Method Changed', title: 'Default MFA method changed', severityId: 1, cefSeverity: 2, signature: 3011, act: 'update', ecsType: 'change', action: 'default-mfa-method-changed' }),
  AppPasswordCreated: (event) => ({
    ...accountChange(event, { activityId: 99, activityName: 'App Password Created', title: 'App password created', severityId: 2, cefSeverity: 3, signature: 3012, act: 'create', ecsType: 'change', action: 'app-password-created' }),
    factor: methodFactors.appPassword,
  }),
  AppPasswordsDeleted: (event) =>
    accountChange(event, { activityId: 99, activityName: 'App Passwords Deleted', title: 'App passwords deleted', severityId: 2, cefSeverity: 3, signature: 3009, act: 'delete', ecsType: 'deletion', action: 'app-passwords-deleted' }),
  HardwareTokenAssigned: (event) => ({
    ...accountChange(event, { activityId: 99, activityName: 'Hardware Token Assigned', title: 'Hardware OATH token assigned, pending activation', severityId: 1, cefSeverity: 2, signature: 3013, act: 'assign', ecsType: 'change', action: 'hardware-token-assigned' }),
    factor: methodFactors.hardwareOath,
    oathSerial: str(event.data, 'serialNumber'),
  }),
  HardwareTokenActivationFailed: (event) =>
    inventory(event, {
      activityId: 10,
      title: 'Hardware OATH token activation failed',
      signature: 3014,
      act: 'activate',
      ecsType: 'change',
      outcome: 'failure',
      severityId: 2,
      cefSeverity: 3,
      entity: { type: 'hardwareOathToken', uid: str(event.data, 'methodId') ?? 'unknown' },
    }),
  HardwareTokenResynchronized: (event) =>
    inventory(event, {
      activityId: 3,
      title: 'Hardware OATH token resynchronized',
      signature: 3015,
      act: 'resync',
      ecsType: 'change',
      entity: { type: 'hardwareOathToken', uid: str(event.data, 'methodId') ?? 'unknown', data: { lastCounter: num(event.data, 'lastCounter') ?? str(event.data, 'lastCounter') } },
    }),
  UserMfaStateChanged: (event) => {
    const state = str(event.data, 'state') ?? 'unknown';
    return accountChange(event, {
      activityId: 99,
      activityName: 'Per-user MFA State Changed',
      title: `Per-user MFA ${state}`,
      severityId: state === 'disabled' ? 3 : 1,
      cefSeverity: state === 'disabled' ? 5 : 2,
      signature: 3016,
      act: 'update',
      ecsType: 'change',
      action: 'user-mfa-state-changed',
    });
  },
  DeviceRemembered: (event) =>
    accountChange(event, { activityId: 99, activityName: 'MFA Device Remembered', title: 'Device remembered for MFA', severityId: 1, cefSeverity: 1, signature: 3017, act: 'remember', ecsType: 'change', action: 'mfa-device-remembered' }),
  RememberedDevicesForgotten: (event) =>
    accountChange(event, { activityId: 99, activityName: 'Remembered MFA Devices Revoked', title: 'Remembered MFA devices revoked', severityId: 2, cefSeverity: 3, signature: 3018, act: 'revoke', ecsType: 'change', action: 'mfa-remembered-devices-revoked' }),
  MfaReregistrationRequired: (event) =>
    accountChange(event, { activityId: 99, activityName: 'MFA Reregistration Required', title: 'MFA re-registration required', severityId: 3, cefSeverity: 4, signature: 3008, act: 'reset', ecsType: 'change', action: 'mfa-reregistration-required' }),
  UserBlocked: (event) => ({
    ...accountChange(event, { activityId: 5, title: 'User blocked for MFA', severityId: 3, cefSeverity: 6, signature: 3001, act: 'block', ecsType: 'change', action: 'user-blocked' }),
  }),
  UserUnblocked: (event) =>
    accountChange(event, { activityId: 2, title: 'User unblocked for MFA', severityId: 1, cefSeverity: 2, signature: 3002, act: 'unblock', ecsType: 'change', action: 'user-unblocked' }),
  AccountLockedOut: (event) => ({
    ...accountChange(event, { activityId: 9, title: 'Account locked out', severityId: 3, cefSeverity: 6, signature: 3003, act: 'lock', ecsType: 'change', action: 'account-locked-out' }),
    reason: str(event.data, 'factor'),
    attempts: strings(event.data, 'causedBy').length || undefined,
  }),
  AccountUnlocked: (event) =>
    accountChange(event, { activityId: 12, title: 'Account unlocked', severityId: 1, cefSeverity: 2, signature: 3004, act: 'unlock', ecsType: 'change', action: 'account-unlocked' }),

  // --- token inventory: OCSF 3004 Entity Management -----------------------------------------------------------------
  OathTokenImported: (event) =>
    inventory(event, {
      activityId: 1,
      title: 'OATH token imported',
      signature: 4001,
      act: 'import',
      ecsType: 'creation',
      entity: { type: 'hardwareOathToken', uid: str(event.data, 'tokenId') ?? 'unknown', name: str(event.data, 'serialNumber') },
    }),
  OathTokenAssigned: (event) =>
    inventory(event, {
      activityId: 3,
      title: 'OATH token assigned',
      signature: 4010,
      act: 'assign',
      ecsType: 'change',
      entity: { type: 'hardwareOathToken', uid: str(event.data, 'tokenId') ?? 'unknown' },
    }),
  OathTokenUnassigned: (event) =>
    inventory(event, {
      activityId: 3,
      title: 'OATH token unassigned',
      signature: 4011,
      act: 'unassign',
      ecsType: 'change',
      entity: { type: 'hardwareOathToken', uid: str(event.data, 'tokenId') ?? 'unknown' },
    }),
  OathImportStarted: (event) =>
    inventory(event, {
      activityId: 1,
      title: 'OATH token import started',
      signature: 4012,
      act: 'import',
      ecsType: 'creation',
      entity: { type: 'hardwareOathTokenImport', uid: str(event.data, 'importId') ?? 'unknown', name: str(event.data, 'fileName'), data: { format: str(event.data, 'format') } },
    }),
  OathImportCompleted: (event) => {
    const data = event.data;
    return inventory(event, {
      activityId: 3,
      title: 'OATH token import completed',
      signature: 4013,
      act: 'import',
      ecsType: 'change',
      entity: {
        type: 'hardwareOathTokenImport',
        uid: str(data, 'importId') ?? 'unknown',
        data: { imported: num(data, 'imported'), assigned: num(data, 'assigned'), rejected: num(data, 'rejected') },
      },
    });
  },
  OathImportFailed: (event) =>
    inventory(event, {
      activityId: 3,
      title: 'OATH token import failed',
      signature: 4014,
      act: 'import',
      ecsType: 'change',
      outcome: 'failure',
      severityId: 2,
      cefSeverity: 3,
      entity: { type: 'hardwareOathTokenImport', uid: str(event.data, 'importId') ?? 'unknown' },
    }),

  // --- tenant settings: OCSF 3004 Update of a policy ---------------------------------------------------------------
  MfaTenantSettingsChanged: (event) => settingsChange(event, { name: 'mfaTenantSettings', title: 'MFA settings changed', signature: 4003 }),
  LockoutSettingsChanged: (event) => settingsChange(event, { name: 'lockoutSettings', title: 'Lockout settings changed', signature: 4004 }),
  RateLimitSettingsChanged: (event) => settingsChange(event, { name: 'rateLimitSettings', title: 'MFA rate limit settings changed', signature: 4022 }),
  FraudAlertSettingsChanged: (event) => settingsChange(event, { name: 'fraudAlertSettings', title: 'Fraud alert settings changed', signature: 4005 }),
  RiskDetectionSettingsChanged: (event) => settingsChange(event, { name: 'riskDetectionSettings', title: 'Risk detection settings changed', signature: 4006 }),
  RiskPolicySettingsChanged: (event) => settingsChange(event, { name: 'riskPolicySettings', title: 'Risk policy settings changed', signature: 4007 }),
  NotificationSettingsChanged: (event) => settingsChange(event, { name: 'notificationSettings', title: 'Admin notification settings changed', signature: 4008 }),
  PhoneCallSettingsChanged: (event) => settingsChange(event, { name: 'phoneCallSettings', title: 'Phone call settings changed', signature: 4015 }),
  RegistrationPolicyChanged: (event) => settingsChange(event, { name: 'registrationPolicy', title: 'MFA registration policy changed', signature: 4016 }),
  AppPasswordPolicyChanged: (event) => settingsChange(event, { name: 'appPasswordPolicy', title: 'App password policy changed', signature: 4017 }),
  SignInLogFieldsChanged: (event) => settingsChange(event, { name: 'signInLogFields', title: 'Recorded sign-in fields changed', signature: 4018 }),
  VoiceGreetingAdded: (event) => settingsChange(event, { name: 'phoneCallGreetings', title: 'Custom voice message added', signature: 4019 }),
  VoiceGreetingDeleted: (event) => settingsChange(event, { name: 'phoneCallGreetings', title: 'Custom voice message deleted', signature: 4020 }),

  // --- admin notifications: OCSF 3004 on the delivery ---------------------------------------------------------------
  AdminNotificationSent: (event) => notification(event, 'success'),
  AdminNotificationFailed: (event) => notification(event, 'failure'),

  // --- operations: an operator set aside a stored event the consumers cannot read (OCSF 3004 on that event) ------
  EventParked: (event) => {
    const data = event.data;
    const parked = `${str(data, 'eventType') ?? 'event'} at position ${num(data, 'position') ?? '?'}`;
    return {
      title: 'Unreadable event parked',
      message: `Unreadable event parked: ${parked} by ${str(data, 'by') ?? 'unknown'}`,
      outcome: 'success',
      severityId: 3,
      cefSeverity: 5,
      area: 'settings',
      userId: null,
      reason: str(data, 'reason'),
      entity: { type: 'storedEvent', uid: str(data, 'eventId') ?? 'unknown', name: parked, data: { streamId: str(data, 'streamId'), problem: str(data, 'problem') } },
      ocsf: { classUid: 3004, activityId: 3, statusId: 1 },
      ecs: { kind: 'event', category: ['configuration'], type: ['change'], action: kebab(event.type) },
      cef: { signatureId: 4021, act: 'park', category: '/Configuration' },
    };
  },

  // --- access control: a command route refused to a caller without a valid key or the role (OCSF 3002, Other) ---
  AuthorizationDenied: (event) => {
    const data = event.data;
    const request = `${str(data, 'method') ?? '?'} ${str(data, 'route') ?? '?'}`;
    const suppressed = num(data, 'suppressedCount') ?? 0;
    return {
      title: 'Access denied',
      message: `Access denied: ${request} answered ${num(data, 'status') ?? '?'} to ${str(data, 'role') ? `a key with the role ${str(data, 'role')}` : 'a caller without a valid key'}${suppressed ? ` (${suppressed} more of the same not recorded)` : ''}`,
      outcome: 'failure',
      severityId: 3,
      cefSeverity: 5,
      area: 'settings',
      userId: null,
      ip: str(data, 'clientIp'),
      reason: str(data, 'reason'),
      errorCode: String(num(data, 'status') ?? ''),
      ocsf: { classUid: 3002, activityId: 99, activityName: 'Authorize', statusId: 2, statusDetail: str(data, 'reason'), control: { actionId: 2, dispositionId: 2 } },
      ecs: { kind: 'event', category: ['authentication'], type: ['info'], action: kebab(event.type) },
      cef: { signatureId: 1201, act: 'deny', category: '/Authorization' },
    };
  },
};

function notification(event: ExportEvent, outcome: 'success' | 'failure'): Description {
  const data = event.data;
  const title = outcome === 'success' ? 'Admin notification sent' : 'Admin notification failed';
  return {
    title,
    message: `${title} (${str(data, 'channel') ?? 'unknown channel'}) about ${str(data, 'triggerType') ?? 'an event'}`,
    outcome,
    severityId: outcome === 'success' ? 1 : 3,
    cefSeverity: outcome === 'success' ? 1 : 5,
    area: 'notifications',
    userId: subject(data),
    reason: str(data, 'reason'),
    attempts: num(data, 'attempts'),
    entity: {
      type: 'adminNotification',
      uid: str(data, 'deliveryId') ?? event.eventId,
      name: str(data, 'triggerType'),
      data: { channel: str(data, 'channel'), receiver: str(data, 'receiver'), triggerEventId: str(data, 'triggerEventId'), transport: str(data, 'transport') },
    },
    ocsf: { classUid: 3004, activityId: 99, activityName: 'Notify', statusId: outcome === 'success' ? 1 : 2 },
    ecs: { kind: 'event', category: ['iam'], type: ['info'], action: kebab(event.type) },
    cef: { signatureId: outcome === 'success' ? 4020 : 4021, act: 'notify', category: '/Notifications' },
  };
}

export class UnmappedEventTypeError extends Error {
  readonly code = 'UNMAPPED_EVENT_TYPE';
  constructor(readonly eventType: string) {
    super(`event type ${eventType} has no SIEM mapping in apps/siem-export/src/formats/catalog.ts`);
  }
}

/** The meaning of an event; an event type without a mapping stops the exporter loudly rather than being skipped. */
export function describeEvent(event: ExportEvent): Description {
  const describe = catalog[event.type];
  if (!describe) throw new UnmappedEventTypeError(event.type);
  return describe(event);
}
