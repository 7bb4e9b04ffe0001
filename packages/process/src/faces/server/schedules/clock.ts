/** Time as the scheduler sees it: the system clock in production, a hand-driven one in tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; returns a handle for `clearTimer`. */
  setTimer(ms: number, fn: () => void): unknown;
  /** Cancels a timer (a handle already fired or cleared is ignored). */
  clearTimer(handle: unknown): void;
}

/** The real clock. Timers are unref'd: a pending schedule never keeps the process alive by itself. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => setTimeout(fn, ms).unref(),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
