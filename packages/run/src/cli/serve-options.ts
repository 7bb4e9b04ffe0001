import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '../errors/validate.ts';
import type { LightRunServerOptions } from '../server/options.ts';
import { parseByteSize } from '../util/byte-size.ts';

const size = (what: string) =>
  z.string().transform((text, ctx) => {
    const bytes = parseByteSize(text);
    if (bytes === undefined || bytes <= 0) {
      ctx.addIssue({ code: 'custom', message: `${what} must be a size like 10mb, 512k or 1048576` });
      return z.NEVER;
    }
    return bytes;
  });

/** The flags of `light-run serve` as commander hands them over (strings). */
const serveFlags = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(3001),
  host: z.string().min(1).default('127.0.0.1'),
  token: z.string().min(1).optional(),
  bodyLimit: size('--body-limit').optional(),
  dataDir: z.string().min(1).default(join(homedir(), '.light-run')),
  maxConcurrent: z.coerce.number().int().min(1).max(1024).optional(),
  memory: size('--memory').optional(),
  cpus: z.coerce.number().positive().optional(),
  pids: z.coerce.number().int().positive().optional(),
  disk: size('--disk').optional(),
  runtime: z.enum(['runc', 'runsc']).optional(),
  ephemeral: z.boolean().optional(),
  maxExtract: size('--max-extract').optional(),
  warmPool: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    )
    .pipe(
      z
        .array(z.string().regex(/^[^\s\0]+$/, '--warm-pool takes image names'))
        .min(1, '--warm-pool needs an image'),
    )
    .optional(),
  warmPoolSize: z.coerce.number().int().min(1).max(64).optional(),
});

/** Turns the flags of `light-run serve` into server options; a bad flag is a 400-style error naming it. */
export function toServerOptions(flags: Record<string, unknown>): LightRunServerOptions {
  const f = parseOrThrow(serveFlags, flags);
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
    ...(f.bodyLimit !== undefined ? { bodyLimitBytes: f.bodyLimit } : {}),
    ...(f.maxConcurrent !== undefined ? { maxConcurrent: f.maxConcurrent } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(f.runtime !== undefined ? { runtime: f.runtime } : {}),
    ...(f.ephemeral ? { ephemeral: true } : {}),
    ...(f.maxExtract !== undefined ? { maxExtractBytes: f.maxExtract } : {}),
    ...(f.warmPool !== undefined
      ? {
          warmPool: { images: f.warmPool, ...(f.warmPoolSize !== undefined ? { size: f.warmPoolSize } : {}) },
        }
      : {}),
  };
}
