import { Cron } from 'croner';

/** Fire times a `catchUp: "all"` schedule runs at most after a downtime (the newest ones). */
export const CATCH_UP_MAX_RUNS = 20;
/** How far back a catch-up looks, in milliseconds (24 h): older fire times are dropped. */
export const CATCH_UP_WINDOW_MS = 24 * 3600 * 1000;

// Five fields, or six with seconds first; croner's seven-field (year) form is not offered.
const MODE = '5-or-6-parts';

/** Why a timezone is not an IANA name this runtime knows, or undefined when it is. */
export function timezoneProblem(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return undefined;
  } catch {
    return `unknown timezone '${timezone}' (expected an IANA name such as Europe/Paris)`;
  }
}

/** Why a cron expression does not parse, or undefined when it does. */
export function cronProblem(expression: string): string | undefined {
  try {
    new Cron(expression, { paused: true, mode: MODE });
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    return `invalid cron expression '${expression}': ${reason}`;
  }
}

/** A parsed cron expression in a timezone (UTC when none): computes fire times, runs nothing. */
export class CronSchedule {
  readonly #cron: Cron;

  /** Throws when the expression or timezone is invalid (check them first with `cronProblem`). */
  constructor(expression: string, timezone?: string) {
    // `paused` and no callback: croner arms no timer; the caller owns the clock.
    this.#cron = new Cron(expression, { paused: true, mode: MODE, timezone: timezone ?? 'UTC' });
  }

  /** The first fire time strictly after `after`, or null when there is none. */
  next(after: Date): Date | null {
    return this.#cron.nextRun(after);
  }

  /** The next `count` fire times strictly after `after`. */
  nextRuns(after: Date, count: number): Date[] {
    return this.#cron.nextRuns(count, after);
  }

  /** Fire times in (`after`, `until`], oldest first, at most the newest `max` of them. */
  between(after: Date, until: Date, max: number): Date[] {
    // previousRuns counts back from its reference (exclusive), newest first.
    const newest = this.#cron.previousRuns(max, new Date(until.getTime() + 1));
    return newest.filter((t) => t.getTime() > after.getTime()).reverse();
  }
}
