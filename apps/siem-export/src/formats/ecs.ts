import { Description } from './catalog';
import { actedBySomeoneElse, eventTime, userIdentity } from './common';
import { ExportOptions } from './export-options';
import { ExportEvent } from './privacy';

/**
 * Elastic Common Schema documents (docs/formats/SIEM.md §2): `event.id` is the domain event's id. For
 * authentication the user is `user.*`; for IAM changes made by someone else `user.*` is the actor and the
 * subject is `user.target.*` (Elastic's own convention); our other fields live under `bulwark.*`.
 */

const ECS_VERSION = '8.11.0';
const outcomes = { success: 'success', failure: 'failure', unknown: 'unknown' } as const;

type Json = Record<string, unknown>;

function ecsUser(userId: string, event: ExportEvent, options: ExportOptions): Json {
  const user = userIdentity(userId, event.data, options);
  const name = user.email ? user.email.split('@')[0] : user.name;
  const out: Json = { id: user.id };
  if (name) out.name = name;
  if (user.domain) out.domain = user.domain;
  if (user.email) out.email = user.email;
  if (user.displayName) out.full_name = user.displayName;
  return out;
}

// The documents are built attribute by attribute, in the order they carry them (the golden files pin it), rather
// than by spreading conditional object literals: every record of the export passes through here.


export function toEcs(event: ExportEvent, description: Description, options: ExportOptions): Json {
  const actor = event.metadata.actor;
  const subject = description.userId ? ecsUser(description.userId, event, options) : null;
  const authentication = description.ecs.category.includes('authentication');
  // an admin's change: the admin is user.*, the one changed user.target.*; a user's own sign-in: user.*
  const byOther = !authentication && actedBySomeoneElse(actor);
  const actorUser: Json = { id: actor.id, name: actor.id, roles: [actor.type] };
  if (byOther && subject) actorUser.target = subject;
  const user = byOther ? actorUser : subject;
  const relatedUsers = [...new Set([subject?.id, subject?.email, byOther ? actor.id : undefined].filter((v): v is string => typeof v === 'string'))];

  const ecsEvent: Json = {
    kind: description.ecs.kind,
    category: description.ecs.category,
    type: description.ecs.type,
    action: description.ecs.action,
    outcome: outcomes[description.outcome],
  };
  if (description.reason) ecsEvent.reason = description.reason;
  ecsEvent.code = String(description.cef.signatureId);
  ecsEvent.id = event.eventId;
  ecsEvent.provider = 'bulwark';
  ecsEvent.module = 'bulwark';
  ecsEvent.dataset = `bulwark.${description.area}`;
  ecsEvent.severity = description.cefSeverity;
  ecsEvent.created = event.metadata.occurredAt;
  ecsEvent.sequence = event.position;
  const document: Json = { '@timestamp': new Date(eventTime(event)).toISOString(), ecs: { version: ECS_VERSION }, message: description.message, event: ecsEvent };
  if (user) document.user = user;
  if (description.ip) {
    document.source = { ip: description.ip };
    document.client = { ip: description.ip };
  }
  const related: Json = {};
  if (relatedUsers.length) related.user = relatedUsers;
  if (description.ip) related.ip = [description.ip];
  document.related = related;
  if (description.userAgent) document.user_agent = { original: description.userAgent };
  if (description.errorCode && description.errorCode !== '0') document.error = { code: description.errorCode };
  const observer: Json = { vendor: options.product.vendor, product: options.product.name };
  if (options.hostname) observer.name = options.hostname;
  document.observer = observer;
  if (options.tenantId) document.organization = { id: options.tenantId };
  if (description.finding?.types.length) document.rule = { name: description.finding.types[0] };
  if (options.replay) document.tags = ['replay'];

  const finding = description.finding;
  if (finding?.riskLevel && subject) {
    // computed by Bulwark, outside Elastic: a "static" level in ECS terms
    const level = finding.riskLevel[0]!.toUpperCase() + finding.riskLevel.slice(1);
    const target = (byOther ? (user as Json).target : user) as Json;
    target.risk = { static_level: level };
  }

  const bulwark: Json = {
    event_type: event.type,
    stream_id: event.streamId,
    revision: event.revision,
    position: event.position,
    correlation_id: event.metadata.correlationId,
    actor: { type: actor.type, id: actor.id },
  };
  if (description.factor) {
    const mfa: Json = { method: description.factor.authMethod };
    if (description.factor.phoneNumber) mfa.phone_number = description.factor.phoneNumber;
    bulwark.mfa = mfa;
  }
  if (finding) {
    const risk: Json = { finding_id: finding.uid, state: finding.riskState };
    if (finding.riskLevel) risk.level = finding.riskLevel;
    if (finding.riskDetail) risk.detail = finding.riskDetail;
    bulwark.risk = risk;
  }
  if (description.oathSerial) bulwark.oath = { serial_number: description.oathSerial };
  if (description.entity) bulwark.entity = { type: description.entity.type, id: description.entity.uid };
  if (options.replay) bulwark.replay = { job_id: options.replay.jobId, requested_at: options.replay.requestedAt };
  bulwark.data = event.data;
  document.bulwark = bulwark;
  return document;
}
