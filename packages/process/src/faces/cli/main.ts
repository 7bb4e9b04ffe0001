import { Command, CommanderError } from 'commander';
import { LightProcessError } from '../../definition/errors.ts';
import { packageVersion } from '../../definition/version.ts';
import { registerCache } from './commands/cache.ts';
import { registerCheck } from './commands/check.ts';
import { registerDescribe } from './commands/describe.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerInit } from './commands/init.ts';
import { registerLink } from './commands/link.ts';
import { registerList } from './commands/list.ts';
import { registerNode } from './commands/node.ts';
import { registerPack } from './commands/pack.ts';
import { registerPull } from './commands/pull.ts';
import { registerPush } from './commands/push.ts';
import { registerRemote } from './commands/remote.ts';
import { registerRun } from './commands/run.ts';
import { registerServe } from './commands/serve.ts';
import { exitCodeFor, takeExitCode } from './exit-codes.ts';
import { type CliIO, colors, eprintln, io, setIO } from './io.ts';

/** Builds the `light` program with every command registered. */
export function createProgram(): Command {
  const program = new Command('light')
    .description('light-process: container-native DAG workflows over light-run')
    .version(packageVersion(), '-v, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions();
  registerRun(program);
  registerInit(program);
  registerCheck(program);
  registerDescribe(program);
  registerList(program);
  registerPack(program);
  registerLink(program);
  registerNode(program);
  registerDoctor(program);
  registerServe(program);
  registerRemote(program);
  registerPush(program);
  registerPull(program);
  registerCache(program);
  // Every (sub)command throws instead of exiting and writes through the CLI's streams.
  const configure = (cmd: Command): void => {
    if (cmd !== program) cmd.version(packageVersion(), '-v, --version', 'print the version');
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (text) => io().stdout(text),
      writeErr: (text) => io().stderr(text),
      outputError: (text, write) => write(colors().red(text)),
    });
    for (const sub of cmd.commands) configure(sub);
  };
  configure(program);
  return program;
}

function report(error: unknown): void {
  if (error instanceof CommanderError) return; // commander has already printed it
  const c = colors();
  if (error instanceof LightProcessError) {
    eprintln(`${c.red('error')} ${error.message}`);
    return;
  }
  // A bug of ours, not the user's input: the message, and the stack only on request.
  const err = error instanceof Error ? error : undefined;
  const detail = process.env.LIGHT_DEBUG ? (err?.stack ?? String(error)) : (err?.message ?? String(error));
  eprintln(
    `${c.red('unexpected error')} ${detail}${process.env.LIGHT_DEBUG ? '' : ' (set LIGHT_DEBUG=1 for details)'}`,
  );
}

/**
 * Runs the CLI with `argv` (as `process.argv`: node, script, args...) and resolves with
 * the exit code. It never calls `process.exit`: the bin sets `process.exitCode`.
 */
export async function main(argv: readonly string[], streams?: CliIO): Promise<number> {
  setIO(streams);
  try {
    await createProgram().parseAsync([...argv]);
    return takeExitCode();
  } catch (error) {
    takeExitCode();
    report(error);
    return exitCodeFor(error);
  } finally {
    setIO(undefined);
  }
}
