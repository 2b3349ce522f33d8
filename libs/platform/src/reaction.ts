import { RecordedEvent } from '@bulwark/contracts';
import { EventConsumer, EventStore } from '@bulwark/event-store';
import { inConsumerSpan } from './observability/tracing';

/**
 * A reaction: when an event of these types is committed, run a command. Its checkpoint is saved after each batch,
 * so a crash repeats at most the batch in flight: the commands it runs must be safe to run twice.
 */
export class Reaction implements EventConsumer {
  readonly name: string;
  private readonly types: Set<string>;

  constructor(
    name: string,
    eventTypes: readonly string[],
    private readonly store: EventStore,
    private readonly react: (event: RecordedEvent) => Promise<void>,
  ) {
    this.name = `reaction:${name}`;
    this.types = new Set(eventTypes);
  }

  async loadCheckpoint(): Promise<number> {
    this.saved = (await this.store.checkpoints.load(this.name)) ?? 0;
    return this.saved;
  }

  async handle(batch: RecordedEvent[]): Promise<void> {
    let reacted = false;
    for (const event of batch) {
      if (!this.types.has(event.type)) continue;
      // traced: a span in the event's trace, active while the command runs, so what it appends stays in the trace
      await inConsumerSpan(this.name, event, () => this.react(event));
      reacted = true;
    }
    const position = batch[batch.length - 1]!.position;
    // a checkpoint is a durable write: saved when it protects work done, or now and then to shorten a replay
    if (reacted || position - this.saved >= 5_000) {
      await this.store.checkpoints.save(this.name, position);
      this.saved = position;
    }
  }

  private saved = 0;
}
