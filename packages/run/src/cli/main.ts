import { Command, CommanderError } from 'commander';
import { LightRunError } from '../errors/light-run-error.ts';
import { VERSION } from '../version.ts';
import { registerServeCommand } from './serve-command.ts';

/** Exit codes of the `light-run` CLI, decided here and nowhere else. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Maps what ended the CLI to an exit code and a one-line message (none for success). */
export function exitCodeOf(err: unknown, argv: readonly string[]): { code: number; message?: string } {
  if (err instanceof CommanderError) {
    // --help and --version end through commander with exit code 0; usage errors already printed.
    return { code: err.exitCode === 0 ? EXIT.ok : EXIT.usage };
  }
  const code = (err as { code?: unknown }).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    const address = (err as { address?: string; port?: number }).address;
    const port = (err as { port?: number }).port ?? argv[argv.indexOf('--port') + 1];
    const what =
      code === 'EADDRINUSE' ? 'is already in use' : code === 'EACCES' ? 'is not allowed' : 'is not available';
    return {
      code: EXIT.usage,
      message: `light-run: cannot listen: port ${port} on ${address ?? 'the host'} ${what}`,
    };
  }
  if (err instanceof LightRunError && err.code === 'INVALID_REQUEST') {
    return { code: EXIT.usage, message: `light-run: invalid option: ${err.message}` };
  }
  return { code: EXIT.failed, message: `light-run: ${err instanceof Error ? err.message : String(err)}` };
}

/** Runs the CLI with `argv` (as in process.argv); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('light-run')
    .description('HTTP service that runs hardened containers through light-runner')
    .version(VERSION, '-v, --version')
    .exitOverride();
  registerServeCommand(program, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  try {
    await program.parseAsync([...argv]);
    return EXIT.ok;
  } catch (err) {
    const { code, message } = exitCodeOf(err, argv);
    if (message) process.stderr.write(`${message}\n`);
    return code;
  }
}
