import type { Command } from 'commander';
import { UsageError } from '../../../definition/errors.ts';
import type { RemoteRunEvent } from '../../remote/follow-events.ts';
import { LightServeClient } from '../../remote/light-serve-client.ts';
import {
  checkRemoteName,
  readRemotes,
  remoteProfile,
  remotesPath,
  writeRemotes,
} from '../../remote/remote-config.ts';
import { resolveRemote } from '../../remote/resolve-remote.ts';
import { EXIT, setExitCode } from '../exit-codes.ts';
import { INPUT_OPTION_HELP, readInputOption } from '../input-option.ts';
import { colors, eprintln, printJson, println } from '../io.ts';

/** A client for `--remote <name>` (or the current remote), its key resolved from the profile. */
export async function remoteClient(
  name: string | undefined,
): Promise<{ name: string; client: LightServeClient }> {
  const remote = resolveRemote(await readRemotes(remotesPath(process.env)), name, process.env);
  return { name: remote.name, client: new LightServeClient(remote) };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').trim();
}

// A map node's progress is printed at most this often (and when it completes).
const MAP_PROGRESS_MS = 1000;
const mapPrinted = new Map<string, number>();

function progress(event: RemoteRunEvent): void {
  const c = colors();
  if (event.type === 'node-started') eprintln(`${c.cyan('▶')} ${event.nodeId}`);
  else if (event.type === 'log') {
    const who = event.element === undefined ? event.nodeId : `${event.nodeId}:${event.element}`;
    eprintln(c.dim(`  ${who} | ${event.line}`));
  } else if (event.type === 'node-progress') {
    const { done, total, failed } = event.map;
    const now = Date.now();
    if (done < total && now - (mapPrinted.get(event.nodeId) ?? 0) < MAP_PROGRESS_MS) return;
    mapPrinted.set(event.nodeId, now);
    eprintln(`  ${event.nodeId} [${done}/${total}${failed > 0 ? `, ${failed} failed` : ''}]`);
  } else if (event.type === 'node-finished') {
    const mark =
      event.status === 'succeeded' ? c.green('✔') : event.status === 'skipped' ? c.dim('○') : c.red('✖');
    eprintln(`${mark} ${event.nodeId} ${c.dim(event.status)}`);
  }
}

/** Registers `light remote add|ls|use|rm|run`: profiles of remote `light serve` servers. */
export function registerRemote(program: Command): void {
  const remote = program
    .command('remote')
    .description('remote light serve servers: add, list, select, remove, run');
  const path = () => remotesPath(process.env);

  remote
    .command('add')
    .description('add (or update) a remote; the first one added becomes the current one')
    .argument('<name>', 'name of the remote')
    .argument('<url>', 'base URL of its light serve, e.g. http://host:3000')
    .option('--api-key-env <var>', 'read the API key from this environment variable when calling it')
    .option('--api-key-stdin', 'read the API key from stdin and store it (file mode 0600)')
    .action(async (name: string, url: string, opts: { apiKeyEnv?: string; apiKeyStdin?: boolean }) => {
      checkRemoteName(name);
      if (opts.apiKeyEnv && opts.apiKeyStdin)
        throw new UsageError('pass either --api-key-env or --api-key-stdin, not both');
      const apiKey = opts.apiKeyStdin ? await readStdin() : undefined;
      if (opts.apiKeyStdin && !apiKey) throw new UsageError('--api-key-stdin: stdin was empty');
      const parsed = remoteProfile.safeParse({
        url,
        ...(opts.apiKeyEnv ? { apiKeyEnv: opts.apiKeyEnv } : {}),
        ...(apiKey ? { apiKey } : {}),
      });
      if (!parsed.success)
        throw new UsageError(
          `invalid remote: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
        );
      const file = await readRemotes(path());
      file.remotes[name] = parsed.data;
      file.current ??= name;
      await writeRemotes(path(), file);
      println(`remote ${name} -> ${parsed.data.url}${file.current === name ? ' (current)' : ''}`);
    });

  remote
    .command('ls')
    .description('list the remotes (keys are never printed)')
    .option('--json', 'print the list as JSON')
    .action(async (opts: { json?: boolean }) => {
      const file = await readRemotes(path());
      const rows = Object.entries(file.remotes).map(([name, p]) => ({
        name,
        url: p.url,
        current: file.current === name,
        key: p.apiKey ? 'set' : p.apiKeyEnv ? `from $${p.apiKeyEnv}` : 'none',
      }));
      if (opts.json) return printJson(rows);
      if (rows.length === 0)
        return println(colors().dim('no remotes; add one with `light remote add <name> <url>`'));
      for (const r of rows) println(`${r.current ? '*' : ' '} ${r.name}  ${r.url}  key: ${r.key}`);
    });

  remote
    .command('use')
    .description('make a remote the current one')
    .argument('<name>')
    .action(async (name: string) => {
      const file = await readRemotes(path());
      if (!file.remotes[name]) throw new UsageError(`no remote named '${name}'`);
      file.current = name;
      await writeRemotes(path(), file);
      println(`current remote: ${name}`);
    });

  remote
    .command('rm')
    .description('remove a remote (and its stored key)')
    .argument('<name>')
    .action(async (name: string) => {
      const file = await readRemotes(path());
      if (!file.remotes[name]) throw new UsageError(`no remote named '${name}'`);
      delete file.remotes[name];
      if (file.current === name) delete file.current;
      await writeRemotes(path(), file);
      println(`removed remote ${name}`);
    });

  remote
    .command('run')
    .description('run a workflow on a remote, streaming its progress')
    .argument('<workflow-id>')
    .option('--input <json|file>', INPUT_OPTION_HELP, '{}')
    .option('-r, --remote <name>', 'remote to use (default: the current one)')
    .option('--json', 'print the finished run as JSON')
    .action(async (workflowId: string, opts: { input: string; remote?: string; json?: boolean }) => {
      const { name, client } = await remoteClient(opts.remote);
      const runId = await client.startRun(workflowId, await readInputOption(opts.input));
      eprintln(colors().dim(`run ${runId} on ${name}`));
      await client.followRun(runId, progress);
      const run = await client.getRun(runId);
      if (run.status !== 'succeeded') setExitCode(EXIT.failed);
      if (opts.json) return printJson(run);
      const c = colors();
      println(`${run.status === 'succeeded' ? c.green('succeeded') : c.red(run.status)}  run ${run.id}`);
      if (run.error) println(c.red(`${run.error.code}: ${run.error.message}`));
      for (const node of run.nodes) {
        if (node.output && Object.keys(node.output).length > 0)
          println(`${node.nodeId}: ${JSON.stringify(node.output)}`);
      }
    });
}
