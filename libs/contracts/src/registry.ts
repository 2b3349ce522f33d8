import { z } from 'zod';
import { DomainEvent, EventMetadata, metadataSchema, NewEvent } from './envelope';
import { Upcaster, upcasterChain } from './upcasting';

export type EventContract = {
  type: string;
  schemaVersion: number;
  schema: z.ZodObject;
  /** Data fields that never leave the service that wrote them (encrypted secrets and the like). */
  privateFields?: readonly string[];
  /**
   * How data stored at an older version reads at the current one: a step from each version below `schemaVersion`,
   * each with the frozen shape it reads (see upcasting.ts). Absent while the type is at version 1.
   */
  upcasters?: readonly Upcaster[];
};

export class UnknownEventTypeError extends Error {
  readonly code = 'UNKNOWN_EVENT_TYPE';
  constructor(readonly eventType: string) {
    super(`unknown event type "${eventType}": it is not registered in libs/contracts`);
  }
}

export class InvalidEventError extends Error {
  readonly code = 'INVALID_EVENT';
  constructor(readonly eventType: string, readonly issues: string[]) {
    super(`invalid ${eventType} event: ${issues.join('; ')}`);
  }
}

/** The schema without the given fields: what another service receives of a contract with private fields. */
function withoutFields(schema: z.ZodObject, fields: readonly string[]): z.ZodObject {
  if (!fields.length) return schema;
  const present = fields.filter((field) => field in schema.shape);
  return present.length ? schema.omit(Object.fromEntries(present.map((field) => [field, true] as const)) as never) : schema;
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}

/** Maps a stored event's `type` string to its schema: the one place that knows every event type. */
export class EventRegistry {
  private readonly contracts = new Map<string, EventContract>();
  private readonly chains = new Map<string, Upcaster[]>();

  constructor(contracts: readonly EventContract[]) {
    for (const contract of contracts) {
      if (this.contracts.has(contract.type)) throw new Error(`event type ${contract.type} registered twice`);
      this.contracts.set(contract.type, contract);
      this.chains.set(contract.type, upcasterChain(contract.type, contract.schemaVersion, contract.upcasters));
    }
  }

  contractOf(type: string): EventContract {
    const contract = this.contracts.get(type);
    if (!contract) throw new UnknownEventTypeError(type);
    return contract;
  }

  types(): string[] {
    return [...this.contracts.keys()];
  }

  /** Throws UnknownEventTypeError or InvalidEventError. */
  validate<E extends DomainEvent>(event: NewEvent<E>): NewEvent<E> {
    return this.check(event, this.contractOf(event.type).schema);
  }

  /**
   * A stored event as every reader sees it: brought from the version it was written at to the current one by its
   * contract's upcasters, then validated as an append is. So deciders and projections only ever see the current shape.
   *
   * An event already at the current version comes back as it is (the same object). An upcast one is a new object
   * whose `metadata.schemaVersion` is the current version: the envelope describes the data the reader holds, and a
   * re-publication (Kafka, a SIEM) then says truly what shape it carries. The stored record is never rewritten: it
   * keeps the version it was written at. Throws UnknownEventTypeError or InvalidEventError (also for a version newer
   * than this build's: a newer build wrote it, and this one cannot know its shape).
   */
  decode<T extends NewEvent>(event: T): T {
    const contract = this.contractOf(event.type);
    return this.check(this.upcast(contract, event, []), contract.schema);
  }

  /** `decode` for an event received from another service, whose private fields were left behind. */
  decodePublic<T extends NewEvent>(event: T): T {
    const contract = this.contractOf(event.type);
    const hidden = contract.privateFields ?? [];
    const current = this.upcast(contract, event, hidden);
    // a step may have given a private field its default: it stays behind, as the writer's own did
    const publicEvent = current === event || !hidden.length ? current : { ...current, data: this.publicData(event.type, current.data) };
    return this.check(publicEvent, withoutFields(contract.schema, hidden));
  }

  private upcast<T extends NewEvent>(contract: EventContract, event: T, hidden: readonly string[]): T {
    const metadata = metadataSchema.safeParse(event.metadata);
    // nothing to do, or nothing sound to do it with: `check` says what is wrong
    if (!metadata.success || metadata.data.schemaVersion >= contract.schemaVersion) return event;
    const written = metadata.data.schemaVersion;
    let data = event.data;
    for (const step of this.chains.get(contract.type)!.slice(written - 1)) {
      const old = withoutFields(step.schema, hidden).safeParse(data);
      if (!old.success) {
        throw new InvalidEventError(event.type, describeIssues(old.error).map((issue) => `data (as version ${step.from}).${issue}`));
      }
      data = step.up(data, metadata.data);
    }
    const current: EventMetadata = { ...event.metadata, schemaVersion: contract.schemaVersion };
    return { ...event, data, metadata: current };
  }

  private check<T extends NewEvent>(event: T, schema: z.ZodObject): T {
    const contract = this.contractOf(event.type);
    if (typeof event.eventId !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(event.eventId)) {
      throw new InvalidEventError(event.type, ['eventId: must be a UUID']);
    }
    const data = schema.safeParse(event.data);
    const metadata = metadataSchema.safeParse(event.metadata);
    const issues = [
      ...(data.success ? [] : describeIssues(data.error).map((issue) => `data.${issue}`)),
      ...(metadata.success ? [] : describeIssues(metadata.error).map((issue) => `metadata.${issue}`)),
    ];
    if (metadata.success && metadata.data.schemaVersion !== contract.schemaVersion) {
      issues.push(`metadata.schemaVersion: ${event.type} is at version ${contract.schemaVersion}, got ${metadata.data.schemaVersion}`);
    }
    if (issues.length) throw new InvalidEventError(event.type, issues);
    return event;
  }

  /** The event without the fields its contract keeps private: what may leave for Kafka and SIEMs. */
  publicData(type: string, data: Record<string, unknown>): Record<string, unknown> {
    const hidden = this.contractOf(type).privateFields ?? [];
    if (!hidden.length) return data;
    return Object.fromEntries(Object.entries(data).filter(([key]) => !hidden.includes(key)));
  }
}
