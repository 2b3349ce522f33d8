import { z } from 'zod';
import { EventMetadata } from './envelope';

/**
 * One step of an event type's history: how data stored at version `from` reads at version `from + 1`.
 *
 * `schema` is the frozen shape of version `from` as it was written: once released it is never edited (a change to
 * it would be another version). `up` is pure: the old data (and its envelope, for the rare step that needs to know
 * when or by whom it was written) in, the next version's data out; no clock, no store, no other event.
 */
export type Upcaster = {
  from: number;
  schema: z.ZodObject;
  up: (data: Record<string, unknown>, metadata: EventMetadata) => Record<string, unknown>;
};

/** An upcaster typed by its frozen shape: `up` sees the old data as it was written, and must return `To`. */
export function upcaster<S extends z.ZodObject, To extends Record<string, unknown>>(
  from: number,
  schema: S,
  up: (data: z.infer<S>, metadata: EventMetadata) => To,
): Upcaster {
  return { from, schema, up: up as Upcaster['up'] };
}

/**
 * The steps that bring every stored version of a type to `schemaVersion`, in order, or why they cannot: a type at
 * version N needs one step from each of 1 .. N-1, so any event ever written of it reads as the current shape.
 */
export function upcasterChain(type: string, schemaVersion: number, upcasters: readonly Upcaster[] = []): Upcaster[] {
  const chain = [...upcasters].sort((a, b) => a.from - b.from);
  const missing: number[] = [];
  for (let version = 1; version < schemaVersion; version++) {
    if (!chain.some((step) => step.from === version)) missing.push(version);
  }
  if (missing.length) throw new Error(`event type ${type} is at version ${schemaVersion} but has no upcaster from version ${missing.join(', ')}`);
  const beyond = chain.find((step, index) => step.from >= schemaVersion || chain[index + 1]?.from === step.from);
  if (beyond) throw new Error(`event type ${type}: the upcaster from version ${beyond.from} is repeated or not below the current version ${schemaVersion}`);
  return chain;
}
