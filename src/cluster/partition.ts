/**
 * One partition of a topic on this broker: its log and the fetches waiting
 * for new data. Single node: this broker leads every partition at epoch 0
 * and the high watermark is the log end offset once a write completes.
 */
import { PartitionLog } from '../storage/partition-log';

export class Partition {
  readonly leaderEpoch = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly log: PartitionLog,
  ) {
    log.onAppend = () => this.wake();
  }

  /** Calls `fn` once after the next completed append; returns a function that cancels it. */
  onNextAppend(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  /** Wakes every waiter (new data, or shutdown). */
  wake(): void {
    if (this.waiters.size === 0) return;
    const fns = [...this.waiters];
    this.waiters.clear();
    for (const fn of fns) fn();
  }
}
