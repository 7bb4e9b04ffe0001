import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { LightRunClient } from '../../client/light-run-client.ts';
import { UsageError } from '../../errors.ts';
import { startLocalLightRun } from '../../local/local-light-run.ts';
import type { ServerRunner } from '../../server/options.ts';
import { colors, eprintln, println } from '../io.ts';
import { positiveIntOption } from '../options.ts';

const options = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  db: z.string().min(1).optional(),
  keepRuns: z.number().int().min(1).optional(),
  keepDays: z.number().int().min(1).optional(),
});

/** What a log call carries besides its message: the fields the server logs with. */
type LogFields = { err?: unknown; path?: string; runId?: string; problems?: string[] };

/** The server's warnings and errors as readable lines on stderr (fastify logs JSON otherwise). */
function consoleLogger(): FastifyBaseLogger {
  const c = colors();
  const line =
    (label: string) =>
    (fields: LogFields | string, message?: string): void => {
      if (typeof fields === 'string') {
        eprintln(`${label} ${fields}`);
        return;
      }
      const parts = [message ?? ''];
      if (fields.path) parts.push(`(${fields.path})`);
      if (fields.runId) parts.push(`[run ${fields.runId}]`);
      if (fields.err instanceof Error) parts.push(`: ${fields.err.message}`);
      if (fields.problems) parts.push(`: ${fields.problems.join('; ')}`);
      eprintln(`${label} ${parts.join(' ')}`);
    };
  const quiet = (): void => {};
  const logger = {
    level: 'warn',
    fatal: line(c.red('fatal')),
    error: line(c.red('error')),
    warn: line(c.yellow('warning')),
    info: quiet,
    debug: quiet,
    trace: quiet,
    silent: quiet,
    child: () => logger,
  };
  return logger as unknown as FastifyBaseLogger;
}

/** Resolves once the process is asked to stop (SIGINT or SIGTERM). */
function untilStopped(): Promise<string> {
  return new Promise((done) => {
    const stop = (signal: string) => {
      process.removeListener('SIGINT', onInt);
      process.removeListener('SIGTERM', onTerm);
      done(signal);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}

/** Registers `light serve [dir]`: the REST API, run history and web UI over a folder of workflows. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the workflows of a folder: REST API, run history, live events and web UI')
    .argument('[dir]', 'folder whose workflows are served', '.')
    .option('-p, --port <port>', 'port to listen on (0: any free port)', '3000')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--db <path>', 'SQLite file of the run history (default: <dir>/.light/history.db)')
    .option('--keep-runs <n>', 'keep only the newest n finished runs', positiveIntOption)
    .option('--keep-days <n>', 'delete finished runs older than n days', positiveIntOption)
    .addHelpText(
      'after',
      '\nEnvironment:\n' +
        '  LIGHT_RUN_URL, LIGHT_RUN_TOKEN  use this light-run (otherwise a local one is started)\n' +
        '  LP_API_KEY                      require Authorization: Bearer <key> on the API',
    )
    .action(async (dir: string, raw: Record<string, unknown>) => {
      const parsed = options.safeParse(raw);
      if (!parsed.success)
        throw new UsageError(`invalid option: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
      const opts = parsed.data;
      const c = colors();
      const url = process.env.LIGHT_RUN_URL;
      await using local = url
        ? undefined
        : await startLocalLightRun({ onLog: (line) => eprintln(c.dim(`[light-run] ${line}`)) });
      const runner: ServerRunner = local
        ? local.client
        : new LightRunClient({
            url: url as string,
            ...(process.env.LIGHT_RUN_TOKEN ? { token: process.env.LIGHT_RUN_TOKEN } : {}),
          });
      if (!local) await (runner as LightRunClient).health();
      const apiKey = process.env.LP_API_KEY || undefined;
      // Loaded on demand: the server brings fastify and SQLite, which no other command needs.
      // `.js`: tsc rewrites the extensions of static imports only, never of dynamic ones.
      const { createLightServer } = await import('../../server/app.js');
      await using server = await createLightServer({
        dir,
        runner,
        env: process.env,
        logger: consoleLogger(),
        ...(opts.db ? { dbPath: resolve(opts.db) } : {}),
        ...(apiKey ? { apiKey } : {}),
        retention: {
          ...(opts.keepRuns ? { maxRuns: opts.keepRuns } : {}),
          ...(opts.keepDays ? { maxAgeMs: opts.keepDays * 24 * 3600 * 1000 } : {}),
        },
      });
      const address = await server.listen({ port: opts.port, host: opts.host });
      eprintln(`light-run: ${local ? `local (${local.url})` : url}`);
      for (const id of server.recoveredRuns)
        eprintln(c.yellow(`run ${id} was in flight when light serve stopped: marked failed`));
      if (!apiKey)
        eprintln(c.yellow('warning: LP_API_KEY is not set: the API is open to anyone who can reach it'));
      println(
        `light serve: ${c.bold(address)}  (UI ${address}/, API ${address}/api, OpenAPI ${address}/openapi.json)`,
      );
      const signal = await untilStopped();
      eprintln(c.dim(`${signal}: cancelling running runs and stopping`));
    });
}
