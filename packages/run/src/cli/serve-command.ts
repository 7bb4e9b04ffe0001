import { rmSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { createLightRunServer } from '../server/create-server.ts';
import { toServerOptions } from './serve-options.ts';

/** How a signal-terminated serve ends. */
export interface ServeIo {
  /** Receives the one stdout line `light-run listening on <url>`. */
  out: (line: string) => void;
  /** Operational messages (stderr). */
  err: (line: string) => void;
}

/**
 * `light-run serve`: starts the HTTP service, prints `light-run listening on <url>` on
 * stdout, and on SIGTERM/SIGINT shuts down gracefully (queued and synchronous runs are
 * cancelled, detached runs keep running for the next start to re-attach).
 */
export function registerServeCommand(program: Command, io: ServeIo): void {
  program
    .command('serve')
    .description('start the light-run HTTP service')
    .addOption(
      new Option('--port <port>', 'port to listen on (0 = a free port)')
        .env('LIGHT_RUN_PORT')
        .default('3001'),
    )
    .addOption(
      new Option('--host <host>', 'interface to listen on').env('LIGHT_RUN_HOST').default('127.0.0.1'),
    )
    .addOption(
      new Option(
        '--allowed-hosts <names>',
        'host names (comma-separated) requests may address besides 127.0.0.1, localhost, [::1] and --host; others get 421',
      ).env('LIGHT_RUN_ALLOWED_HOSTS'),
    )
    .addOption(
      new Option(
        '--allow-networks <names>',
        'networks (comma-separated) runs may join although light-run did not create them, e.g. bridge',
      ).env('LIGHT_RUN_ALLOW_NETWORKS'),
    )
    .addOption(
      new Option(
        '--token <token>',
        'bearer token required on every route but /health (prefer LIGHT_RUN_TOKEN: every local user sees argv in ps)',
      ).env('LIGHT_RUN_TOKEN'),
    )
    .addOption(
      new Option('--body-limit <size>', 'largest request body, e.g. 10mb').env('LIGHT_RUN_BODY_LIMIT'),
    )
    .addOption(
      new Option('--data-dir <dir>', 'run records, logs and artifacts (default ~/.light-run)').env(
        'LIGHT_RUN_DATA_DIR',
      ),
    )
    .addOption(
      new Option(
        '--max-concurrent <n>',
        'runs executing at once, services aside (see --max-services); more wait queued',
      ).env('LIGHT_RUN_MAX_CONCURRENT'),
    )
    .addOption(
      new Option(
        '--max-services <n>',
        'services (service: true runs) at once, outside the run queue; more are refused (default 32)',
      ).env('LIGHT_RUN_MAX_SERVICES'),
    )
    .addOption(
      new Option('--keep-runs <n>', 'runs kept; the oldest finished ones go past it (default 1000)').env(
        'LIGHT_RUN_KEEP_RUNS',
      ),
    )
    .addOption(
      new Option(
        '--keep-for <duration>',
        'finished runs older than this are deleted, e.g. 7d, 12h (default 7d)',
      ).env('LIGHT_RUN_KEEP_FOR'),
    )
    .addOption(
      new Option(
        '--max-extract <size>',
        'largest single file a run may extract, e.g. 1gb (default 256mb)',
      ).env('LIGHT_RUN_MAX_EXTRACT'),
    )
    .addOption(
      new Option(
        '--artifact-store <size>',
        'cap of the artifact store (run artifacts and uploads together), e.g. 20gb (default 1gb)',
      ).env('LIGHT_RUN_ARTIFACT_STORE'),
    )
    .addOption(
      new Option(
        '--backend <docker|swarm>',
        'where runs go: the engine itself, or its Docker Swarm (default docker)',
      ).env('LIGHT_RUN_BACKEND'),
    )
    .addOption(
      new Option(
        '--registry <host:port>',
        'swarm backend: registry every node pulls from (local images are pushed there)',
      ).env('LIGHT_RUN_REGISTRY'),
    )
    .addOption(
      new Option(
        '--warm-pool <images>',
        'images (comma-separated) to keep containers started ahead for; off by default',
      ).env('LIGHT_RUN_WARM_POOL'),
    )
    .addOption(
      new Option('--warm-pool-size <n>', 'parked containers per warm-pool image (default 2)').env(
        'LIGHT_RUN_WARM_POOL_SIZE',
      ),
    )
    .addOption(
      new Option('--memory <size>', 'memory cap per container, e.g. 512m (default 512m)').env(
        'LIGHT_RUN_MEMORY',
      ),
    )
    .addOption(new Option('--cpus <n>', 'CPU cap per container, e.g. 1.5 (default 1)').env('LIGHT_RUN_CPUS'))
    .addOption(new Option('--pids <n>', 'process cap per container (default 100)').env('LIGHT_RUN_PIDS'))
    .addOption(
      new Option('--disk <size>', 'what one container may write to its filesystem, e.g. 1g (default 1g)').env(
        'LIGHT_RUN_DISK',
      ),
    )
    .addOption(
      new Option('--runtime <runtime>', 'OCI runtime of the containers, runc or runsc (gVisor)').env(
        'LIGHT_RUN_RUNTIME',
      ),
    )
    .addOption(
      new Option('--gpus <all|n>', 'GPUs given to every container: all, or a count (default none)').env(
        'LIGHT_RUN_GPUS',
      ),
    )
    .addOption(
      new Option(
        '--ephemeral',
        'belong to the process that started this one: shut down when stdin closes, and leave no runs, containers, networks or data dir behind',
      ),
    )
    .action(async (flags: Record<string, unknown>) => {
      const options = toServerOptions(flags);
      const server = await createLightRunServer({ ...options, log: io.err });
      try {
        io.out(`light-run listening on ${await server.listen()}`);
      } catch (err) {
        await server.close();
        throw err;
      }
      const reason = await new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM received'));
        process.once('SIGINT', () => resolve('SIGINT received'));
        if (flags.ephemeral) {
          for (const stream of [process.stdout, process.stderr]) {
            stream.on('error', (err: NodeJS.ErrnoException) => {
              // EPIPE: the parent that read our output is gone; the shutdown must still
              // run to the end, so a dead reader is not a reason to crash.
              if (err.code !== 'EPIPE') throw err;
            });
          }
          // The parent holds our stdin open for its whole life; end of input means it is
          // gone (even by SIGKILL), so nothing it started may keep running.
          process.stdin.once('end', () => resolve('the parent process closed stdin'));
          process.stdin.once('close', () => resolve('the parent process closed stdin'));
          process.stdin.resume();
        }
      });
      io.err(`light-run: ${reason}, shutting down`);
      await server.close();
      // An ephemeral instance's data dir is scratch space: its parent may be gone already.
      if (options.ephemeral) rmSync(options.dataDir, { recursive: true, force: true });
    });
}
