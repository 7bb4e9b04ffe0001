import type { WorkflowDefinition } from '../definitions.ts';
import { CronSchedule, cronProblem, timezoneProblem } from './cron.ts';
import type { CatchUpPolicy } from './triggers.ts';

/** One trigger of a workflow as `light describe --json` and the API show it. */
export type TriggerView =
  | {
      kind: 'schedule';
      index: number;
      cron: string;
      timezone: string | null;
      catchUp: CatchUpPolicy;
      /** The next fire times (ISO 8601); empty when the expression or timezone is invalid. */
      nextRuns: string[];
    }
  | { kind: 'webhook'; index: number; secretEnv: string; path: string };

/** The next `count` fire times of a schedule after `now`, ISO; [] when it does not parse. */
export function nextFireTimes(cron: string, timezone: string | undefined, now: Date, count = 3): string[] {
  if (cronProblem(cron) || (timezone !== undefined && timezoneProblem(timezone))) return [];
  return new CronSchedule(cron, timezone).nextRuns(now, count).map((d) => d.toISOString());
}

/** The triggers of a workflow with their next fire times after `now`. */
export function triggerViews(def: Pick<WorkflowDefinition, 'id' | 'triggers'>, now: Date): TriggerView[] {
  return (def.triggers ?? []).map((trigger, index): TriggerView => {
    if (trigger.schedule) {
      const { cron, timezone, catchUp } = trigger.schedule;
      return {
        kind: 'schedule',
        index,
        cron,
        timezone: timezone ?? null,
        catchUp: catchUp ?? 'none',
        nextRuns: nextFireTimes(cron, timezone, now),
      };
    }
    return {
      kind: 'webhook',
      index,
      secretEnv: trigger.webhook?.secretEnv ?? '',
      path: `/hooks/${def.id}`,
    };
  });
}

/** Text lines describing the triggers and concurrency of a workflow (none when it has neither). */
export function triggerLines(def: WorkflowDefinition, now: Date): string[] {
  const lines: string[] = [];
  const views = triggerViews(def, now);
  if (views.length > 0) lines.push('', `Triggers (${views.length}):`);
  for (const view of views) {
    if (view.kind === 'webhook') {
      lines.push(`  [${view.index}] webhook  POST ${view.path}  (secret from $${view.secretEnv})`);
      continue;
    }
    const zone = view.timezone ?? 'UTC';
    lines.push(`  [${view.index}] schedule "${view.cron}" (${zone}), catch-up ${view.catchUp}`);
    lines.push(`      next: ${view.nextRuns.join(', ') || '(none)'}`);
  }
  if (def.concurrency) {
    const { limit, onLimit } = def.concurrency;
    lines.push('', `Concurrency: at most ${limit} run(s) at once; past that: ${onLimit}`);
  }
  return lines;
}
