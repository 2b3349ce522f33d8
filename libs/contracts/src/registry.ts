import { z } from 'zod';
import { DomainEvent, metadataSchema, NewEvent } from './envelope';

export type EventContract = {
  type: string;
  schemaVersion: number;
  schema: z.ZodObject;
  /** Data fields that never leave the service that wrote them (encrypted secrets and the like). */
  privateFields?: readonly string[];
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

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}

/** Maps a stored event's `type` string to its schema: the one place that knows every event type. */
export class EventRegistry {
  private readonly contracts = new Map<string, EventContract>();

  constructor(contracts: readonly EventContract[]) {
    for (const contract of contracts) {
      if (this.contracts.has(contract.type)) throw new Error(`event type ${contract.type} registered twice`);
      this.contracts.set(contract.type, contract);
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

  /** Validates an event received from another service, whose private fields were left behind. */
  validatePublic<E extends DomainEvent>(event: NewEvent<E>): NewEvent<E> {
    const contract = this.contractOf(event.type);
    const hidden = Object.fromEntries((contract.privateFields ?? []).map((field) => [field, true] as const));
    return this.check(event, contract.privateFields?.length ? contract.schema.omit(hidden as never) : contract.schema);
  }

  private check<E extends DomainEvent>(event: NewEvent<E>, schema: z.ZodObject): NewEvent<E> {
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
