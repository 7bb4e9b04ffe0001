import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { connectRunner, modeFromEnv } from '../../../adapters/light-run/local/connect.ts';
import { warmPoolPlan } from '../../../adapters/light-run/local/warm-pool-plan.ts';
import type { WorkflowDefinition } from '../../../definition/definitions.ts';
import { UsageError } from '../../../definition/errors.ts';
import { executeWorkflow } from '../../../engine/execute.ts';
import { type PreparedRun, prepareRun } from '../../../engine/prepare.ts';
import { nodeFingerprints, planResume } from '../../../engine/resume.ts';
import type { WorkflowResult } from '../../../engine/types.ts';
import { loadNodeFromFolder } from '../../../files/load-node.ts';
import { loadWorkflowWithSources } from '../../../files/load-workflow.ts';
import { createProgressPrinter } from '../../../sdk/progress-printer.ts';
import type { ValidateOptions } from '../../../validation/validate-workflow.ts';
import type { NodeCacheStore } from '../../server/store/node-cache-store.ts';
import { EXIT, setExitCode } from '../exit-codes.ts';
import { INPUT_OPTION_HELP, readInputOption } from '../input-option.ts';
import { colors, eprintln, printJson, println } from '../io.ts';
import { addIsolationOptions, type IsolationFlags, isolationOf } from '../isolation-options.ts';
import { durationOption } from '../options.ts';
import { RunJournal, readJournal, recordedRun, STATE_DIR } from '../run-journal.ts';

interface RunFlags extends IsolationFlags {
  node?: string;
  input?: string;
  json?: boolean;
  timeout?: number;
  keepArtifacts?: boolean;
  resume?: string;
}

/** What a resumed run reuses, and the run it resumes. */
interface ResumePlan {
  from: string;
  reuse: Map<string, Record<string, unknown>>;
}

/** Registers `light run <workflow-dir|file> [--input json|file|@file] [--json] [--timeout duration]` and `light run --node <dir>`. */
export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('run a workflow (or one node) in containers through light-run')
    .argument('[workflow]', 'workflow folder, workflow.json or packed file')
    .option('--node <dir>', 'run one node folder as a one-node workflow')
    .option('--input <json|file>', INPUT_OPTION_HELP)
    .option(
      '--resume <runId>',
      'resume a failed, cancelled, timed-out or interrupted run (from .light/runs/): its succeeded nodes are reused',
    )
    .option('--json', 'print the result as one JSON document on stdout')
    .option(
      '--keep-artifacts',
      "keep the nodes' artifacts in light-run after the run (default: deleted when it ends; an all-in-one light-run ends with the command)",
    )
    .addOption(
      new Option('--timeout <duration>', 'workflow timeout: milliseconds, or 90s, 5m, 2h').argParser(
        durationOption,
      ),
    );
  addIsolationOptions(command)
    .addHelpText(
      'after',
      '\nLIGHT_RUN_URL (+ LIGHT_RUN_TOKEN) selects a running light-run; unset, a local one is started.',
    )
    .action(async (path: string | undefined, flags: RunFlags) => {
      const target = await loadTarget(path, flags.node);
      if (flags.resume !== undefined && flags.input !== undefined)
        throw new UsageError('--resume runs with the input of the run it resumes: leave out --input');
      const journal = flags.resume === undefined ? undefined : readJournal(STATE_DIR, flags.resume);
      const input = journal ? journal.input : await readInputOption(flags.input ?? '{}');
      // Checked (with the files each problem comes from) before any light-run is started; the
      // executor then runs this prepared definition without checking it again.
      const prepared = prepareRun(target.definition, input, { env: process.env, sources: target.sources });
      let resume: ResumePlan | undefined;
      if (journal) {
        if (journal.workflowId !== prepared.definition.id)
          throw new UsageError(
            `run ${journal.runId} ran workflow "${journal.workflowId}", not "${prepared.definition.id}"`,
          );
        const reuse = planResume(prepared.definition, recordedRun(journal));
        resume = { from: journal.runId, reuse };
      }
      const result = await runWithProgress(prepared, flags, resume);
      if (!result.success && result.error?.code !== 'WORKFLOW_CANCELLED')
        eprintln(
          colors().dim(
            `resume it with: light run ${path ?? `--node ${flags.node}`} --resume ${result.runId}`,
          ),
        );
      if (flags.json) printJson(result);
      else printSummary(prepared.definition, result);
      if (result.error?.code === 'WORKFLOW_CANCELLED') setExitCode(EXIT.interrupted);
      else if (!result.success) setExitCode(EXIT.failed);
    });
}

async function loadTarget(
  path: string | undefined,
  nodeDir: string | undefined,
): Promise<{ definition: unknown; sources: ValidateOptions }> {
  if (path && nodeDir) throw new UsageError('give either a workflow or --node <dir>, not both');
  if (nodeDir) {
    const node = await loadNodeFromFolder(nodeDir);
    return { definition: { id: node.id, nodes: [node] }, sources: {} };
  }
  const loaded = await loadWorkflowWithSources(path ?? '.');
  return { definition: loaded.definition, sources: { file: loaded.file, nodeFiles: loaded.nodeFiles } };
}

async function runWithProgress(
  prepared: PreparedRun,
  flags: RunFlags,
  resume: ResumePlan | undefined,
): Promise<WorkflowResult> {
  const { definition, input } = prepared;
  const runId = randomBytes(6).toString('hex');
  const journal = RunJournal.start(STATE_DIR, {
    runId,
    workflowId: definition.id,
    input,
    fingerprints: nodeFingerprints(definition),
    resumedFrom: resume?.from ?? null,
  });
  const c = colors();
  const mode = modeFromEnv(process.env, isolationOf(flags));
  const live = Boolean(process.stderr.isTTY);
  const controller = new AbortController();
  // SIGTERM is handled like Ctrl-C: without it, Node would exit at once and leave the
  // local light-run and the runs behind.
  const onSignal = (): void => {
    eprintln(c.yellow('interrupted: cancelling the runs and cleaning up...'));
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // The local light-run's own log lines go through the printer once it exists.
    let note = (line: string): void => eprintln(c.dim(line));
    // All-in-one: the local light-run keeps containers warm for this workflow's images.
    const warmPool = warmPoolPlan([definition]);
    const localLog =
      mode.mode === 'all-in-one'
        ? { ...mode, onLog: (line: string) => note(line), ...(warmPool ? { warmPool } : {}) }
        : mode;
    if (mode.mode === 'all-in-one') eprintln(c.dim('starting a local light-run...'));
    await using connection = await connectRunner(localLog);
    eprintln(c.dim(`light-run: ${connection.client.url} (${connection.mode})`));
    eprintln(c.dim(`run ${runId}${resume ? ` resumes run ${resume.from}: ${resumeNote(resume)}` : ''}`));
    // Loaded only when a node asks for it: SQLite is not needed otherwise.
    using cache = definition.nodes.some((n) => n.cache) ? await openNodeCache() : undefined;
    const printer = createProgressPrinter({
      write: (text) => process.stderr.write(text),
      live,
      color: live && !process.env.NO_COLOR,
      nodeIds: definition.nodes.map((n) => n.id),
    });
    note = printer.note;
    try {
      const result = await executeWorkflow(definition, input, {
        runner: connection.client,
        runId,
        ...(cache ? { cache } : {}),
        ...(resume ? { reuse: resume.reuse } : {}),
        signal: controller.signal,
        env: process.env,
        ...(flags.timeout ? { timeout: flags.timeout } : {}),
        ...(flags.keepArtifacts ? { keepArtifacts: true } : {}),
        onNodeStart: printer.onNodeStart,
        onNodeEnd: (event) => {
          printer.onNodeEnd(event);
          journal.nodeEnded(event.result);
        },
        onLog: printer.onLog,
        onElementEnd: printer.onElementEnd,
        onNodeRetry: printer.onNodeRetry,
      });
      journal.finish(result);
      return result;
    } finally {
      printer.close();
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function resumeNote(resume: ResumePlan): string {
  const ids = [...resume.reuse.keys()];
  return ids.length === 0 ? 'no node output to reuse' : `reusing ${ids.join(', ')}`;
}

/** The node cache of `light run`: `.light/cache.db`. */
async function openNodeCache(): Promise<NodeCacheStore> {
  const { NodeCacheStore } = await import('../../server/store/node-cache-store.ts');
  return NodeCacheStore.open(join(STATE_DIR, 'cache.db'));
}

function printSummary(definition: WorkflowDefinition, result: WorkflowResult): void {
  const c = colors();
  const took = `${(result.duration / 1000).toFixed(1)}s`;
  for (const problem of result.teardownErrors ?? []) eprintln(`${c.yellow('warning')} ${problem.message}`);
  if (!result.success) {
    println(`${c.red('failed')} ${definition.id} after ${took}: ${result.error?.message ?? 'unknown error'}`);
    return;
  }
  println(`${c.green('succeeded')} ${definition.id} in ${took}`);
  const sources = new Set(definition.links.filter((l) => l.maxIterations === undefined).map((l) => l.from));
  for (const node of definition.nodes) {
    const r = result.results[node.id];
    if (r?.status !== 'succeeded' || sources.has(node.id)) continue;
    println(`${c.bold(node.id)} ${JSON.stringify(r.output, null, 2)}`);
  }
}
