import { z } from 'zod';

// What starts a workflow besides a person: `triggers` and `concurrency` of workflow.json.
// The names are the interface; `light check` validates cron and timezone (see cron.ts).

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What a schedule does with fire times missed while `light serve` was down. */
export const catchUpPolicy = z.enum(['none', 'last', 'all']);
/** `none`: skip them; `last`: run once for the newest; `all`: run each (bounded, see `CATCH_UP_MAX_RUNS`). */
export type CatchUpPolicy = z.infer<typeof catchUpPolicy>;

/** `{"schedule": {...}}`: runs the workflow at the times a cron expression names. */
export const scheduleTrigger = z
  .object({
    cron: z
      .string()
      .min(1)
      .describe('Cron expression: five fields, or six with seconds first (`*/10 * * * * *`).'),
    timezone: z
      .string()
      .min(1)
      .optional()
      .describe('IANA timezone the expression is read in, e.g. Europe/Paris. Default: UTC.'),
    input: z.unknown().optional().describe('The run input of every fired run (checked like any input).'),
    catchUp: catchUpPolicy
      .optional()
      .describe('Fire times missed while light serve was down: none (default), last, or all (bounded).'),
  })
  .strict();
/** A parsed `schedule` trigger. */
export type ScheduleTrigger = z.infer<typeof scheduleTrigger>;

/** `{"webhook": {...}}`: `POST /hooks/<workflowId>` with an HMAC-SHA256 signature runs the workflow. */
export const webhookTrigger = z
  .object({
    secretEnv: z
      .string()
      .regex(ENV_NAME, 'must be an environment variable name')
      .describe('Name of the server variable holding the signing secret (never passed to a node).'),
  })
  .strict();
/** A parsed `webhook` trigger. */
export type WebhookTrigger = z.infer<typeof webhookTrigger>;

/** One entry of `triggers`: exactly one of `schedule` or `webhook`. */
export const triggerDefinition = z
  .object({ schedule: scheduleTrigger.optional(), webhook: webhookTrigger.optional() })
  .strict()
  .refine((t) => (t.schedule === undefined) !== (t.webhook === undefined), {
    message: 'a trigger is either {"schedule": {...}} or {"webhook": {...}}',
  });
/** A parsed `triggers` entry. */
export type TriggerDefinition = z.infer<typeof triggerDefinition>;

/** What happens to a new run while the workflow already has `limit` runs running. */
export const onLimitPolicy = z.enum(['queue', 'skip', 'cancel-previous']);
/** `queue`: it waits its turn; `skip`: it is refused; `cancel-previous`: the oldest runs in flight are cancelled to make room. */
export type OnLimitPolicy = z.infer<typeof onLimitPolicy>;

/** `concurrency` of a workflow: how many of its runs run at once in `light serve`. */
export const concurrencyDefinition = z
  .object({
    limit: z.number().int().min(1).describe('Runs of this workflow running at once.'),
    onLimit: onLimitPolicy
      .default('queue')
      .describe('A run past the limit: queue (default), skip, or cancel-previous.'),
  })
  .strict();
/** A parsed `concurrency`. */
export type ConcurrencyDefinition = z.infer<typeof concurrencyDefinition>;

/** How a run was started, as run records say. */
export type RunTrigger = 'manual' | 'schedule' | 'webhook';
