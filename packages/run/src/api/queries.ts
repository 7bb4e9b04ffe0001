import { z } from 'zod';
import { parseDurationMs } from '../util/duration.ts';
import { runStatus } from './schemas.ts';

const flag = z
  .enum(['1', '0', 'true', 'false', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === '');

/** Query of `GET /runs`: `?status=running&limit=50` (newest first; limit 1-1000, default 100). */
export const listQuery = z.object({
  status: runStatus.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Query of `GET /runs/:id`: `?wait=30s` or `?wait=30000` (ms) long-polls until the run ends. */
export const stateQuery = z.object({
  wait: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return 0;
      const ms = parseDurationMs(v);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be milliseconds (30000) or a duration (30s, 500ms, 1m)',
        });
        return z.NEVER;
      }
      return ms;
    }),
});

/** Query of `GET /runs/:id/logs`: `?format=text|ndjson&follow=1`. */
export const logsQuery = z.object({
  format: z.enum(['text', 'ndjson']).default('text'),
  follow: flag,
});
