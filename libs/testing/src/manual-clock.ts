import type { Clock } from '@bulwark/platform';

/** A clock the test moves by hand, so a lock can expire without waiting. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: string | Date = '2026-11-21T10:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance({ seconds = 0, minutes = 0 }: { seconds?: number; minutes?: number }): Date {
    this.current += seconds * 1000 + minutes * 60_000;
    return this.now();
  }

  set(at: string | Date): void {
    this.current = new Date(at).getTime();
  }
}
