import type { FastifyBaseLogger } from 'fastify';
import type { WorkflowDefinition } from '../../../definition/definitions.ts';
import {
  CATCH_UP_MAX_RUNS,
  CATCH_UP_WINDOW_MS,
  CronSchedule,
  cronProblem,
  timezoneProblem,
} from '../../../definition/triggers/cron.ts';
import type { ScheduleTrigger } from '../../../definition/triggers/triggers.ts';
import { ApiError } from '../api-error.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { Clock } from './clock.ts';

// setTimeout holds at most ~24.8 days; a far fire time is reached in hops of at most an hour.
const MAX_TIMER_MS = 3600 * 1000;

/** One schedule as `GET /api/schedules` shows it. */
export interface ScheduleView {
  workflowId: string;
  /** Its position in the workflow's `triggers`. */
  index: number;
  cron: string;
  timezone: string | null;
  paused: boolean;
  /** The next three fire times, ISO 8601. */
  nextRuns: string[];
}

/** Starts the run of one fire time; failures are the callee's to log. */
export type FireFunction = (workflowId: string, index: number, input: unknown, fireAt: Date) => void;

/** What the scheduler needs. */
export interface CronSchedulerOptions {
  /** Where pause state and the last fire time of each schedule are kept. */
  store: Pick<HistoryStore, 'scheduleState' | 'setSchedulePaused' | 'scheduleFired'>;
  clock: Clock;
  fire: FireFunction;
  log: FastifyBaseLogger;
}

interface Entry {
  workflowId: string;
  index: number;
  trigger: ScheduleTrigger;
  cron: CronSchedule;
  paused: boolean;
  timer?: unknown;
  /** The fire time the armed timer is for. */
  next?: Date | null;
}

const keyOf = (workflowId: string, index: number) => `${workflowId}\0${index}`;

/**
 * The schedules of the served workflows: arms one timer per schedule for its next fire time
 * (cron via croner, in its timezone), fires a run at each, and at start catches up on the fire
 * times missed while the server was down, as each schedule's `catchUp` says.
 */
export class CronScheduler {
  readonly #options: CronSchedulerOptions;
  readonly #entries = new Map<string, Entry>();
  #stopped = false;

  constructor(options: CronSchedulerOptions) {
    this.#options = options;
  }

  /**
   * Makes the schedules those of `workflows`: new ones are armed, changed ones re-armed, gone
   * ones dropped. With `catchUp` (at server start) missed fire times are run first.
   */
  sync(workflows: readonly WorkflowDefinition[], { catchUp = false } = {}): void {
    if (this.#stopped) return;
    const wanted = new Map<string, { workflowId: string; index: number; trigger: ScheduleTrigger }>();
    for (const def of workflows) {
      (def.triggers ?? []).forEach((t, index) => {
        const trigger = t.schedule;
        // Validation refuses a bad expression first; this guard keeps the timers safe anyway.
        if (!trigger || cronProblem(trigger.cron)) return;
        if (trigger.timezone !== undefined && timezoneProblem(trigger.timezone)) return;
        wanted.set(keyOf(def.id, index), { workflowId: def.id, index, trigger });
      });
    }
    for (const [key, entry] of this.#entries) {
      const next = wanted.get(key);
      if (next && JSON.stringify(next.trigger) === JSON.stringify(entry.trigger)) {
        wanted.delete(key);
        continue;
      }
      this.#disarm(entry);
      this.#entries.delete(key);
    }
    const now = new Date(this.#options.clock.now());
    for (const [key, { workflowId, index, trigger }] of wanted) {
      const state = this.#options.store.scheduleState(workflowId, index, now);
      const entry: Entry = {
        workflowId,
        index,
        trigger,
        cron: new CronSchedule(trigger.cron, trigger.timezone),
        paused: state.paused,
      };
      this.#entries.set(key, entry);
      if (catchUp && !entry.paused && state.lastFireAt) this.#catchUp(entry, new Date(state.lastFireAt), now);
      this.#arm(entry);
    }
  }

  /** Every schedule, by workflow id then index, with its next three fire times. */
  list(): ScheduleView[] {
    return [...this.#entries.values()]
      .sort((a, b) => a.workflowId.localeCompare(b.workflowId) || a.index - b.index)
      .map((e) => this.#view(e));
  }

  /** One schedule, or a 404 `SCHEDULE_NOT_FOUND`. */
  get(workflowId: string, index: number): ScheduleView {
    return this.#view(this.#entry(workflowId, index));
  }

  /** Pauses or resumes a schedule (kept across restarts). A paused schedule skips its fire times: resuming does not run them. */
  setPaused(workflowId: string, index: number, paused: boolean): ScheduleView {
    const entry = this.#entry(workflowId, index);
    entry.paused = paused;
    this.#options.store.setSchedulePaused(workflowId, index, paused, new Date(this.#options.clock.now()));
    return this.#view(entry);
  }

  /** Disarms every timer; nothing fires after this. */
  stop(): void {
    this.#stopped = true;
    for (const entry of this.#entries.values()) this.#disarm(entry);
  }

  #entry(workflowId: string, index: number): Entry {
    const entry = this.#entries.get(keyOf(workflowId, index));
    if (!entry)
      throw new ApiError(
        'SCHEDULE_NOT_FOUND',
        `workflow '${workflowId}' has no schedule at triggers[${index}]`,
      );
    return entry;
  }

  #view(entry: Entry): ScheduleView {
    const now = new Date(this.#options.clock.now());
    return {
      workflowId: entry.workflowId,
      index: entry.index,
      cron: entry.trigger.cron,
      timezone: entry.trigger.timezone ?? null,
      paused: entry.paused,
      nextRuns: entry.cron.nextRuns(now, 3).map((d) => d.toISOString()),
    };
  }

  #catchUp(entry: Entry, lastFireAt: Date, now: Date): void {
    const policy = entry.trigger.catchUp ?? 'none';
    if (policy === 'none') return;
    const since = new Date(Math.max(lastFireAt.getTime(), now.getTime() - CATCH_UP_WINDOW_MS));
    const missed = entry.cron.between(since, now, policy === 'last' ? 1 : CATCH_UP_MAX_RUNS);
    for (const fireAt of missed) this.#fire(entry, fireAt);
  }

  #fire(entry: Entry, fireAt: Date): void {
    try {
      this.#options.store.scheduleFired(entry.workflowId, entry.index, fireAt);
    } catch (error) {
      this.#options.log.error({ err: error }, 'could not record a schedule fire time');
    }
    this.#options.fire(entry.workflowId, entry.index, entry.trigger.input ?? {}, fireAt);
  }

  #arm(entry: Entry): void {
    if (this.#stopped) return;
    const { clock } = this.#options;
    const now = clock.now();
    entry.next ??= entry.cron.next(new Date(now));
    const next = entry.next;
    if (!next) return; // an expression with no future time (a date in the past)
    const delay = Math.min(Math.max(next.getTime() - now, 1), MAX_TIMER_MS);
    entry.timer = clock.setTimer(delay, () => this.#wake(entry));
  }

  #wake(entry: Entry): void {
    entry.timer = undefined;
    if (this.#stopped || this.#entries.get(keyOf(entry.workflowId, entry.index)) !== entry) return;
    const next = entry.next;
    // A timer may wake a hop early (a far time) or a hair early (timer granularity): re-arm.
    const now = this.#options.clock.now();
    if (next && next.getTime() <= now) {
      if (!entry.paused) this.#fire(entry, next);
      // Times that passed while the process stood still (a suspended machine) are not run late.
      entry.next = entry.cron.next(new Date(Math.max(next.getTime(), now)));
    }
    this.#arm(entry);
  }

  #disarm(entry: Entry): void {
    if (entry.timer !== undefined) this.#options.clock.clearTimer(entry.timer);
    entry.timer = undefined;
  }
}
