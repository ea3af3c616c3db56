/**
 * Time for the parts of the broker that wait: session timeouts, rebalance
 * timeouts, offset expiry. The coordinator takes a Clock so its unit tests
 * can drive time by hand.
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  /** Calls `fn` once after `ms` milliseconds unless cancelled. */
  schedule(ms: number, fn: () => void): Timer;
}

/** Wall-clock time and Node timers that never keep the process alive on their own. */
export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  schedule(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
