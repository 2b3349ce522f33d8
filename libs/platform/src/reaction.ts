import { RecordedEvent } from '@bulwark/contracts';
import { EventConsumer, EventStore } from '@bulwark/event-store';

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
    return (await this.store.checkpoints.load(this.name)) ?? 0;
  }

  async handle(batch: RecordedEvent[]): Promise<void> {
    for (const event of batch) if (this.types.has(event.type)) await this.react(event);
    await this.store.checkpoints.save(this.name, batch[batch.length - 1]!.position);
  }
}
