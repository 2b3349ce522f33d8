/** The event a consumer stopped on because it cannot be read: park it (`npm run events:park`) for the consumer to go on. */
export type StoppedAt = { position: number; eventId: string; eventType: string; streamId: string; reason: string };

export type SubscriptionState = {
  name: string;
  status: 'starting' | 'live' | 'stopped' | 'failed';
  /** the last position handled */
  position: number;
  error?: string;
  /** when failed on an event it cannot read: which, and why */
  stoppedAt?: StoppedAt;
};

/**
 * Where a consumer has got to, and who is waiting for it to get somewhere: the part every delivery
 * (store subscription, Kafka consumer group) shares.
 */
export class ConsumerProgress {
  private state: SubscriptionState;
  private readonly waiters = new Set<{ position: number; resolve: () => void; reject: (error: Error) => void }>();

  constructor(name: string) {
    this.state = { name, status: 'starting', position: 0 };
  }

  snapshot(): SubscriptionState {
    return { ...this.state };
  }

  get position(): number {
    return this.state.position;
  }

  get failed(): boolean {
    return this.state.status === 'failed';
  }

  mark(status: 'live' | 'stopped'): void {
    if (this.state.status !== 'failed') this.state.status = status;
  }

  advance(position: number): void {
    this.state.position = Math.max(this.state.position, position);
    for (const waiter of this.waiters) {
      if (waiter.position <= this.state.position) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** Marks the consumer failed (once) and rejects everyone waiting; returns false if it had already failed. */
  fail(error: Error, stoppedAt?: StoppedAt): boolean {
    if (this.state.status === 'failed') return false;
    this.state = { ...this.state, status: 'failed', error: error.message, ...(stoppedAt ? { stoppedAt } : {}) };
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters.clear();
    return true;
  }

  /** The consumer goes on after a failure an operator resolved (the event it stopped on was parked). */
  recover(): void {
    if (this.state.status !== 'failed') return;
    this.state = { name: this.state.name, status: 'starting', position: this.state.position };
  }

  /** Resolves once the consumer has handled everything up to `position`. */
  reached(position: number, timeoutMs: number): Promise<void> {
    if (this.state.position >= position) return Promise.resolve();
    if (this.failed) return Promise.reject(new Error(`${this.state.name} failed: ${this.state.error}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${this.state.name} did not reach position ${position} within ${timeoutMs} ms (at ${this.state.position})`));
      }, timeoutMs);
      const waiter = {
        position,
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (error: Error) => (clearTimeout(timer), reject(error)),
      };
      this.waiters.add(waiter);
    });
  }
}
