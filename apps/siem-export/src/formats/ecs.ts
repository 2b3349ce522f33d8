import { Description } from './catalog';
import { actedBySomeoneElse, eventTime, userIdentity } from './common';
import { ExportOptions } from './export-options';
import { ExportEvent } from './privacy';

/**
 * Elastic Common Schema documents (../shared/formats/SIEM.md §2): `event.id` is the domain event's id. For
 * authentication the user is `user.*`; for IAM changes made by someone else `user.*` is the actor and the
 * subject is `user.target.*` (Elastic's own convention); our other fields live under `bulwark.*`.
 */

const ECS_VERSION = '8.11.0';
const outcomes = { success: 'success', failure: 'failure', unknown: 'unknown' } as const;

type Json = Record<string, unknown>;

function ecsUser(userId: string, event: ExportEvent, options: ExportOptions): Json {
  const user = userIdentity(userId, event.data, options);
  const name = user.email ? user.email.split('@')[0] : user.name;
  return {
    id: user.id,
    ...(name ? { name } : {}),
    ...(user.domain ? { domain: user.domain } : {}),
    ...(user.email ? { email: user.email } : {}),
    ...(user.displayName ? { full_name: user.displayName } : {}),
  };
}

export function toEcs(event: ExportEvent, description: Description, options: ExportOptions): Json {
  const actor = event.metadata.actor;
  const subject = description.userId ? ecsUser(description.userId, event, options) : null;
  const authentication = description.ecs.category.includes('authentication');
  // an admin's change: the admin is user.*, the one changed user.target.*; a user's own sign-in: user.*
  const byOther = !authentication && actedBySomeoneElse(actor);
  const actorUser: Json = { id: actor.id, name: actor.id, roles: [actor.type] };
  const user = byOther ? { ...actorUser, ...(subject ? { target: subject } : {}) } : subject;
  const relatedUsers = [...new Set([subject?.id, subject?.email, byOther ? actor.id : undefined].filter((v): v is string => typeof v === 'string'))];

  const document: Json = {
    '@timestamp': new Date(eventTime(event)).toISOString(),
    ecs: { version: ECS_VERSION },
    message: description.message,
    event: {
      kind: description.ecs.kind,
      category: description.ecs.category,
      type: description.ecs.type,
      action: description.ecs.action,
      outcome: outcomes[description.outcome],
      ...(description.reason ? { reason: description.reason } : {}),
      code: String(description.cef.signatureId),
      id: event.eventId,
      provider: 'bulwark',
      module: 'bulwark',
      dataset: `bulwark.${description.area}`,
      severity: description.cefSeverity,
      created: event.metadata.occurredAt,
      sequence: event.position,
    },
    ...(user ? { user } : {}),
    ...(description.ip ? { source: { ip: description.ip }, client: { ip: description.ip } } : {}),
    related: { ...(relatedUsers.length ? { user: relatedUsers } : {}), ...(description.ip ? { ip: [description.ip] } : {}) },
    ...(description.userAgent ? { user_agent: { original: description.userAgent } } : {}),
    ...(description.errorCode && description.errorCode !== '0' ? { error: { code: description.errorCode } } : {}),
    observer: { vendor: options.product.vendor, product: options.product.name, ...(options.hostname ? { name: options.hostname } : {}) },
    ...(options.tenantId ? { organization: { id: options.tenantId } } : {}),
    ...(description.finding?.types.length ? { rule: { name: description.finding.types[0] } } : {}),
    ...(options.replay ? { tags: ['replay'] } : {}),
  };

  const finding = description.finding;
  if (finding?.riskLevel && subject) {
    // computed by Bulwark, outside Elastic: a "static" level in ECS terms
    const level = finding.riskLevel[0]!.toUpperCase() + finding.riskLevel.slice(1);
    const target = (byOther ? (user as Json).target : user) as Json;
    target.risk = { static_level: level };
  }

  document.bulwark = {
    event_type: event.type,
    stream_id: event.streamId,
    revision: event.revision,
    position: event.position,
    correlation_id: event.metadata.correlationId,
    actor: { type: actor.type, id: actor.id },
    ...(description.factor ? { mfa: { method: description.factor.authMethod, ...(description.factor.phoneNumber ? { phone_number: description.factor.phoneNumber } : {}) } } : {}),
    ...(finding ? { risk: { finding_id: finding.uid, state: finding.riskState, ...(finding.riskLevel ? { level: finding.riskLevel } : {}), ...(finding.riskDetail ? { detail: finding.riskDetail } : {}) } } : {}),
    ...(description.oathSerial ? { oath: { serial_number: description.oathSerial } } : {}),
    ...(description.entity ? { entity: { type: description.entity.type, id: description.entity.uid } } : {}),
    ...(options.replay ? { replay: { job_id: options.replay.jobId, requested_at: options.replay.requestedAt } } : {}),
    data: event.data,
  };
  return document;
}
