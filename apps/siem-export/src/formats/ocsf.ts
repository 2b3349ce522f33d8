import { Actor } from '@bulwark/contracts';
import { AuthFactor, Description } from './catalog';
import { eventTime, userIdentity } from './common';
import { ExportOptions } from './export-options';
import { ExportEvent } from './privacy';

/**
 * OCSF JSON (classes 3002 Authentication, 3001 Account Change, 2004 Detection Finding, 3004 Entity Management),
 * per docs/formats/SIEM.md §1 and §5. `type_uid = class_uid * 100 + activity_id`; `metadata.uid` is the
 * domain event's id, so a consumer drops a redelivered record by it.
 */

const classes = {
  3002: { name: 'Authentication', category: 3, activities: { 1: 'Logon', 2: 'Logoff', 3: 'Authentication Ticket', 4: 'Service Ticket Request', 5: 'Service Ticket Renew', 6: 'Preauth', 7: 'Account Switch' } },
  3001: {
    name: 'Account Change',
    category: 3,
    activities: { 1: 'Create', 2: 'Enable', 3: 'Password Change', 4: 'Password Reset', 5: 'Disable', 6: 'Delete', 7: 'Attach Policy', 8: 'Detach Policy', 9: 'Lock', 10: 'MFA Factor Enable', 11: 'MFA Factor Disable', 12: 'Unlock' },
  },
  2004: { name: 'Detection Finding', category: 2, activities: { 1: 'Create', 2: 'Update', 3: 'Close' } },
  3004: {
    name: 'Entity Management',
    category: 3,
    activities: { 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete', 5: 'Move', 6: 'Enroll', 7: 'Unenroll', 8: 'Enable', 9: 'Disable', 10: 'Activate', 11: 'Deactivate', 12: 'Suspend', 13: 'Resume' },
  },
} as const satisfies Record<number, { name: string; category: number; activities: Record<number, string> }>;

const categories: Record<number, string> = { 2: 'Findings', 3: 'Identity & Access Management' };
const severities: Record<number, string> = { 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical' };
const iamStatus: Record<number, string> = { 0: 'Unknown', 1: 'Success', 2: 'Failure', 99: 'Other' };
const findingStatus: Record<number, string> = { 1: 'New', 2: 'In Progress', 3: 'Suppressed', 4: 'Resolved', 5: 'Archived', 6: 'Deleted' };
const riskLevels = { none: [0, 'Info'], low: [1, 'Low'], medium: [2, 'Medium'], high: [3, 'High'] } as const;
const actions: Record<number, string> = { 1: 'Allowed', 2: 'Denied' };
const dispositions: Record<number, string> = { 1: 'Allowed', 2: 'Blocked', 25: 'Rejected' };
const verdicts: Record<number, string> = { 1: 'False Positive', 2: 'True Positive' };

type Json = Record<string, unknown>;

// The mappers below set optional attributes one by one, in the order the records carry them (the golden files
// pin it), rather than spreading conditional object literals: every record of the export passes through them.

function ocsfUser(userId: string, event: ExportEvent, options: ExportOptions): Json {
  const user = userIdentity(userId, event.data, options);
  const out: Json = { uid: user.id };
  if (user.name) out.name = user.name;
  if (user.displayName) out.display_name = user.displayName;
  if (user.email) out.email_addr = user.email;
  if (user.domain) out.domain = user.domain;
  out.type_id = 1;
  out.type = 'User';
  return out;
}

/** The actor object: a role's key as a user (admins, analysts) or service; a reaction of a service as its app. */
function ocsfActor(actor: Actor): Json {
  switch (actor.type) {
    case 'admin':
    case 'analyst':
      return { user: { uid: actor.id, name: actor.id, type_id: 2, type: 'Admin' } };
    case 'siem':
      return { user: { uid: actor.id, name: actor.id, type_id: 4, type: 'Service' } };
    case 'user':
      return { user: { uid: actor.id, name: actor.id, type_id: 1, type: 'User' } };
    default:
      return { app_name: actor.id };
  }
}

function ocsfFactor(factor: AuthFactor, options: ExportOptions): Json {
  const out: Json = { factor_type_id: factor.factorTypeId, factor_type: factor.factorType, provider: options.product.name };
  if (factor.isTotp) out.is_totp = true;
  if (factor.isHotp) out.is_hotp = true;
  if (factor.phoneNumber) out.phone_number = factor.phoneNumber;
  return out;
}

export function toOcsf(event: ExportEvent, description: Description, options: ExportOptions): Json {
  const { ocsf } = description;
  const cls = classes[ocsf.classUid];
  const activityName = ocsf.activityId === 99 ? ocsf.activityName! : (cls.activities as Record<number, string>)[ocsf.activityId]!;
  const time = eventTime(event);
  const finding = ocsf.classUid === 2004;
  const profiles = ocsf.control ? ['security_control'] : [];
  const user = description.userId ? ocsfUser(description.userId, event, options) : null;
  const srcEndpoint = description.ip ? { ip: description.ip } : null;

  const record: Json = {
    class_uid: ocsf.classUid,
    class_name: cls.name,
    category_uid: cls.category,
    category_name: categories[cls.category],
    activity_id: ocsf.activityId,
    activity_name: activityName,
    type_uid: ocsf.classUid * 100 + ocsf.activityId,
    type_name: `${cls.name}: ${activityName}`,
    time,
    severity_id: description.severityId,
    severity: severities[description.severityId],
  };
  if (ocsf.statusId !== undefined) {
    record.status_id = ocsf.statusId;
    record.status = (finding ? findingStatus : iamStatus)[ocsf.statusId];
  }
  if (description.errorCode !== undefined && !finding) record.status_code = description.errorCode;
  if (ocsf.statusDetail) record.status_detail = ocsf.statusDetail;
  record.message = description.message;

  if (ocsf.classUid === 3002) {
    if (ocsf.isMfa !== undefined) record.is_mfa = ocsf.isMfa;
    if (description.factor) record.auth_factors = [ocsfFactor(description.factor, options)];
    record.user = user ?? { uid: 'unknown', type_id: 0, type: 'Unknown' };
    // the at_least_one(service, dst_endpoint) constraint: the app signed into, else Bulwark itself
    record.service = description.appId ? { uid: description.appId, name: description.appId } : { name: options.product.name };
    if (srcEndpoint) record.src_endpoint = srcEndpoint;
    if (description.sessionId || ocsf.sessionExpirationReason) {
      const session: Json = {};
      if (description.sessionId) {
        session.uid = description.sessionId;
        session.is_mfa = ocsf.isMfa === true;
      }
      if (ocsf.sessionExpirationReason) session.expiration_reason = ocsf.sessionExpirationReason;
      record.session = session;
    }
    if (description.userAgent) record.http_request = { user_agent: description.userAgent };
    if (event.metadata.actor.type !== 'app' && event.metadata.actor.type !== 'user') record.actor = ocsfActor(event.metadata.actor);
    if (ocsf.control) {
      record.action_id = ocsf.control.actionId;
      record.action = actions[ocsf.control.actionId];
      record.disposition_id = ocsf.control.dispositionId;
      record.disposition = dispositions[ocsf.control.dispositionId];
    }
  } else if (ocsf.classUid === 3001) {
    record.user = user ?? { uid: 'unknown', type_id: 0, type: 'Unknown' };
    record.actor = ocsfActor(event.metadata.actor);
    if (srcEndpoint) record.src_endpoint = srcEndpoint;
    if (description.factor) record.auth_factors = [ocsfFactor(description.factor, options)];
  } else if (ocsf.classUid === 2004) {
    const info = description.finding!;
    const [riskLevelId, riskLevel] = riskLevels[info.riskLevel ?? 'none'];
    const firstSeen = info.firstSeen ? Date.parse(info.firstSeen) : NaN;
    const evidence: Json = {
      ...(user ? { user } : {}),
      ...(srcEndpoint ? { src_endpoint: srcEndpoint } : {}),
      actor: ocsfActor(event.metadata.actor),
      ...(info.verdictId ? { verdict_id: info.verdictId, verdict: verdicts[info.verdictId] } : {}),
    };
    Object.assign(record, {
      finding_info: {
        uid: info.uid,
        title: info.title,
        ...(info.types.length ? { types: info.types, analytic: { type_id: 1, type: 'Rule', name: info.types[0], uid: `bulwark.risk.${info.types[0]}` } } : {}),
        created_time: time,
        ...(Number.isFinite(firstSeen) ? { first_seen_time: firstSeen, last_seen_time: firstSeen } : {}),
        modified_time: time,
      },
      ...(Number.isFinite(firstSeen) ? { start_time: firstSeen, end_time: firstSeen } : {}),
      is_alert: info.isAlert,
      risk_level_id: riskLevelId,
      risk_level: riskLevel,
      evidences: [evidence],
      ...(info.remediation ? { remediation: { desc: info.remediation } } : {}),
    });
  } else {
    const entity = description.entity!;
    Object.assign(record, {
      entity: {
        uid: entity.uid,
        type: entity.type,
        ...(entity.name ? { name: entity.name } : {}),
        ...(entity.data ? { data: entity.data } : {}),
      },
      actor: ocsfActor(event.metadata.actor),
      ...(description.reason ? { comment: description.reason } : {}),
    });
  }

  const observables: Json[] = [];
  if (description.ip) observables.push({ name: finding ? 'evidences[0].src_endpoint.ip' : 'src_endpoint.ip', type_id: 2, type: 'IP Address', value: description.ip });
  if (user?.name) observables.push({ name: finding ? 'evidences[0].user.name' : 'user.name', type_id: 4, type: 'User Name', value: user.name });
  if (observables.length) record.observables = observables;

  const metadata: Json = {
    version: options.ocsfVersion,
    product: { name: options.product.name, vendor_name: options.product.vendor, version: options.product.version, uid: options.product.name.toLowerCase() },
    uid: event.eventId,
    correlation_uid: event.metadata.correlationId,
    event_code: event.type,
    log_name: `bulwark.${description.area}`,
    original_time: event.metadata.occurredAt,
    sequence: event.position,
  };
  if (options.tenantId) metadata.tenant_uid = options.tenantId;
  if (profiles.length) metadata.profiles = profiles;
  if (options.replay) metadata.labels = ['replay'];
  record.metadata = metadata;

  const bulwark: Json = { event_type: event.type, stream_id: event.streamId, revision: event.revision, position: event.position, actor: event.metadata.actor };
  if (description.reason) bulwark.reason = description.reason;
  if (description.factor) bulwark.auth_method = description.factor.authMethod;
  if (description.finding) {
    bulwark.risk_state = description.finding.riskState;
    if (description.finding.riskDetail) bulwark.risk_detail = description.finding.riskDetail;
  }
  if (options.replay) bulwark.replay = { job_id: options.replay.jobId, requested_at: options.replay.requestedAt };
  bulwark.data = event.data;
  record.unmapped = { bulwark };
  return record;
}
