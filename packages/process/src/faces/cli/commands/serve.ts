import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { connectRunner, modeFromEnv } from '../../../adapters/light-run/local/connect.ts';
import { type WarmPoolPlan, warmPoolPlan } from '../../../adapters/light-run/local/warm-pool-plan.ts';
import { UsageError } from '../../../definition/errors.ts';
import { findWorkflows } from '../../../files/find-workflows.ts';
import { loadWorkflowWithSources } from '../../../files/load-workflow.ts';
import type { ServerRunner } from '../../server/options.ts';
import { colors, eprintln, println } from '../io.ts';
import { addIsolationOptions, type IsolationFlags, isolationOf } from '../isolation-options.ts';
import { positiveIntOption } from '../options.ts';
import { addServeTrustOptions, serveTrustOf } from '../serve-trust-options.ts';

const options = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  db: z.string().min(1).optional(),
  keepRuns: z.number().int().min(1).optional(),
  keepDays: z.number().int().min(1).optional(),
  maxRuns: z.number().int().min(1).optional(),
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
  const command = program
    .command('serve')
    .description('serve the workflows of a folder: REST API, run history, live events and web UI')
    .argument('[dir]', 'folder whose workflows are served', '.')
    .option('-p, --port <port>', 'port to listen on (0: any free port)', '3000')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--db <path>', 'SQLite file of the run history (default: <dir>/.light/history.db)')
    .option('--keep-runs <n>', 'keep only the newest n finished runs', positiveIntOption)
    .option('--keep-days <n>', 'delete finished runs older than n days', positiveIntOption)
    .option(
      '--max-runs <n>',
      'run at most n runs at once across all workflows; the others wait, queued (default: no limit)',
      positiveIntOption,
    );
  addServeTrustOptions(command);
  addIsolationOptions(command)
    .addHelpText(
      'after',
      '\nEnvironment:\n' +
        '  LIGHT_RUN_URL, LIGHT_RUN_TOKEN  use this light-run (otherwise a local one is started)\n' +
        '  LP_API_KEY                      require Authorization: Bearer <key> on the API\n' +
        '  LP_ENV_<NAME>                   the value a workflow env name <NAME> gets (see --pass-env)\n' +
        '  <secretEnv>                     the secret of a webhook trigger (never passed to a node)',
    )
    .action(async (dir: string, raw: Record<string, unknown>) => {
      const parsed = options.safeParse(raw);
      if (!parsed.success)
        throw new UsageError(`invalid option: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
      const opts = parsed.data;
      const c = colors();
      const trust = serveTrustOf(raw, process.env);
      const mode = modeFromEnv(process.env, isolationOf(raw as IsolationFlags));
      // All-in-one: the local light-run keeps containers warm for the images of the served workflows.
      const warmPool = mode.mode === 'all-in-one' ? await servedWarmPool(dir) : undefined;
      await using connection = await connectRunner(
        mode.mode === 'all-in-one'
          ? {
              ...mode,
              onLog: (line) => eprintln(c.dim(`[light-run] ${line}`)),
              ...(warmPool ? { warmPool } : {}),
            }
          : mode,
      );
      const runner: ServerRunner = connection.client;
      if (connection.mode === 'explicit') await connection.client.health();
      const apiKey = process.env.LP_API_KEY || undefined;
      // Loaded on demand: the server brings fastify and SQLite, which no other command needs.
      // `.js`: tsc rewrites the extensions of static imports only, never of dynamic ones.
      const { createLightServer } = await import('../../server/app.js');
      await using server = await createLightServer({
        dir,
        runner,
        env: trust.env,
        allowedHosts: trust.allowedHosts,
        logger: consoleLogger(),
        ...(opts.db ? { dbPath: resolve(opts.db) } : {}),
        ...(apiKey ? { apiKey } : {}),
        ...(opts.maxRuns ? { maxConcurrentRuns: opts.maxRuns } : {}),
        // Webhook secrets (a trigger's secretEnv) are read from the environment, by name.
        secrets: process.env,
        retention: {
          ...(opts.keepRuns ? { maxRuns: opts.keepRuns } : {}),
          ...(opts.keepDays ? { maxAgeMs: opts.keepDays * 24 * 3600 * 1000 } : {}),
        },
      });
      const address = await server.listen({ port: opts.port, host: opts.host });
      eprintln(
        `light-run: ${connection.mode === 'all-in-one' ? `local (${connection.client.url})` : connection.client.url}`,
      );
      for (const id of server.recoveredRuns)
        eprintln(c.yellow(`run ${id} was in flight when light serve stopped: marked failed`));
      if (server.resumedRuns.length > 0)
        eprintln(`${server.resumedRuns.length} queued run(s) from before the restart are queued again`);
      // No warning about a missing LP_API_KEY here: the server logs it once, through the logger above.
      for (const warning of trust.warnings) eprintln(c.yellow(`warning: ${warning}`));
      if (
        ['0.0.0.0', '::'].includes(opts.host) &&
        trust.allowedHosts !== '*' &&
        trust.allowedHosts.length === 0
      )
        eprintln(
          c.yellow(
            'warning: listening on every interface, but only Host 127.0.0.1, localhost and [::1] are answered: name the others with --allowed-hosts',
          ),
        );
      println(
        `light serve: ${c.bold(address)}  (UI ${address}/, API ${address}/api, OpenAPI ${address}/openapi.json)`,
      );
      const signal = await untilStopped();
      eprintln(c.dim(`${signal}: cancelling running runs and stopping`));
    });
}

/**
 * The warm pool for the workflows under `dir` that load; none when there are none. A folder
 * that cannot be read or a workflow that does not load only costs warmth here: the server
 * reports those itself when it lists the workflows.
 */
async function servedWarmPool(dir: string): Promise<WarmPoolPlan | undefined> {
  const found = await findWorkflows(dir).catch(() => []);
  const definitions = await Promise.all(
    found
      .filter((w) => w.error === undefined)
      .map((w) =>
        loadWorkflowWithSources(w.path).then(
          (l) => l.definition,
          () => undefined,
        ),
      ),
  );
  return warmPoolPlan(definitions.filter((d) => d !== undefined));
}
