/** A Clock driven by hand: timers fire only inside advance(), in time order. */
import { Clock, Timer } from '../../src/cluster/clock';

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  private time = 1_700_000_000_000;
  private seq = 0;
  private timers: Entry[] = [];

  now(): number {
    return this.time;
  }

  schedule(ms: number, fn: () => void): Timer {
    const e: Entry = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(e);
    return { cancel: () => (e.cancelled = true) };
  }

  /** Moves time forward by `ms`, firing every timer due on the way (including ones scheduled meanwhile). */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.time = due.at;
      due.cancelled = true;
      due.fn();
    }
    this.time = target;
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}
