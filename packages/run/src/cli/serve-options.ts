import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '../errors/validate.ts';
import type { LightRunServerOptions } from '../server/options.ts';
import { parseByteSize } from '../util/byte-size.ts';
import { parseDurationMs } from '../util/duration.ts';

const size = (what: string) =>
  z.string().transform((text, ctx) => {
    const bytes = parseByteSize(text);
    if (bytes === undefined || bytes <= 0) {
      ctx.addIssue({ code: 'custom', message: `${what} must be a size like 10mb, 512k or 1048576` });
      return z.NEVER;
    }
    return bytes;
  });

/** A comma-separated flag as the list of its non-empty, trimmed items, checked by `items`. */
const list = <T extends z.ZodType<unknown, string[]>>(items: T) =>
  z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    )
    .pipe(items);

/** The isolation settings of every container; each also reads from `LIGHT_RUN_<NAME>`. */
const ISOLATION_FLAGS = ['memory', 'cpus', 'pids', 'disk', 'runtime', 'gpus'] as const;

/** The flags of `light-run serve` as commander hands them over (strings). */
const serveFlags = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(3001),
  host: z.string().min(1).default('127.0.0.1'),
  allowedHosts: list(z.array(z.string().regex(/^[^\s/@]+$/, '--allowed-hosts takes host names'))).optional(),
  allowNetworks: list(
    z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, '--allow-networks takes network names')),
  ).optional(),
  token: z.string().min(1).optional(),
  bodyLimit: size('--body-limit').optional(),
  dataDir: z.string().min(1).default(join(homedir(), '.light-run')),
  maxConcurrent: z.coerce.number().int().min(1).max(1024).optional(),
  maxServices: z.coerce
    .number('--max-services must be a whole number')
    .int('--max-services must be a whole number')
    .min(1, '--max-services must be at least 1')
    .max(4096, '--max-services must be at most 4096')
    .optional(),
  keepRuns: z.coerce
    .number('--keep-runs must be a whole number')
    .int('--keep-runs must be a whole number')
    .min(1, '--keep-runs must be at least 1')
    .optional(),
  keepFor: z
    .string()
    .transform((text, ctx) => {
      const ms = parseDurationMs(text);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: '--keep-for must be a duration like 7d, 12h, 30m or 90s' });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
  memory: size('--memory').optional(),
  cpus: z.coerce.number('--cpus must be a number such as 1.5').positive('--cpus must be above 0').optional(),
  pids: z.coerce
    .number('--pids must be a whole number')
    .int('--pids must be a whole number')
    .positive('--pids must be at least 1')
    .optional(),
  disk: size('--disk').optional(),
  runtime: z.enum(['runc', 'runsc'], '--runtime must be runc or runsc').optional(),
  gpus: z
    .string()
    .regex(/^(all|[1-9]\d{0,3})$/, '--gpus must be all or a count such as 2')
    .transform((text) => (text === 'all' ? ('all' as const) : Number(text)))
    .optional(),
  ephemeral: z.boolean().optional(),
  maxExtract: size('--max-extract').optional(),
  artifactStore: size('--artifact-store').optional(),
  warmPool: list(
    z
      .array(z.string().regex(/^[^\s\0]+$/, '--warm-pool takes image names'))
      .min(1, '--warm-pool needs an image'),
  ).optional(),
  warmPoolSize: z.coerce.number().int().min(1).max(64).optional(),
  backend: z.enum(['docker', 'swarm'], '--backend must be docker or swarm').optional(),
  registry: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, '--registry must be host:port, e.g. 127.0.0.1:5000')
    .optional(),
});

/** Turns the flags of `light-run serve` into server options; a bad flag is a 400-style error naming it. */
export function toServerOptions(flags: Record<string, unknown>): LightRunServerOptions {
  const given = { ...flags };
  // `LIGHT_RUN_MEMORY=` (empty) means "not set", as an unset variable would: the default applies.
  for (const key of ISOLATION_FLAGS) if (given[key] === '') delete given[key];
  const f = parseOrThrow(serveFlags, given);
  const limits = {
    ...(f.memory !== undefined ? { memoryBytes: f.memory } : {}),
    ...(f.cpus !== undefined ? { cpus: f.cpus } : {}),
    ...(f.pids !== undefined ? { pids: f.pids } : {}),
    ...(f.disk !== undefined ? { diskBytes: f.disk } : {}),
  };
  return {
    dataDir: f.dataDir,
    host: f.host,
    port: f.port,
    ...(f.token !== undefined ? { token: f.token } : {}),
    ...(f.allowedHosts !== undefined ? { allowedHosts: f.allowedHosts } : {}),
    ...(f.allowNetworks !== undefined ? { allowNetworks: f.allowNetworks } : {}),
    ...(f.bodyLimit !== undefined ? { bodyLimitBytes: f.bodyLimit } : {}),
    ...(f.maxConcurrent !== undefined ? { maxConcurrent: f.maxConcurrent } : {}),
    ...(f.maxServices !== undefined ? { maxServices: f.maxServices } : {}),
    ...(f.keepRuns !== undefined ? { keepRuns: f.keepRuns } : {}),
    ...(f.keepFor !== undefined ? { keepForMs: f.keepFor } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(f.runtime !== undefined ? { runtime: f.runtime } : {}),
    ...(f.gpus !== undefined ? { gpus: f.gpus } : {}),
    ...(f.ephemeral ? { ephemeral: true } : {}),
    ...(f.backend !== undefined ? { backend: f.backend } : {}),
    ...(f.registry !== undefined ? { registry: f.registry } : {}),
    ...(f.maxExtract !== undefined ? { maxExtractBytes: f.maxExtract } : {}),
    ...(f.artifactStore !== undefined ? { artifactStoreBytes: f.artifactStore } : {}),
    ...(f.warmPool !== undefined
      ? {
          warmPool: { images: f.warmPool, ...(f.warmPoolSize !== undefined ? { size: f.warmPoolSize } : {}) },
        }
      : {}),
  };
}
