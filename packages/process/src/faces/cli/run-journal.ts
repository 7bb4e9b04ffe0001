import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fileSystemError, UsageError } from '../../definition/errors.ts';
import type { RecordedRun } from '../../engine/resume.ts';
import type { NodeResult, WorkflowResult } from '../../engine/types.ts';
import { parseFileContent, parseJson } from '../../files/json-file.ts';

/** The folder `light run` keeps its state in (journals, node cache): `.light/` of the current directory. */
export const STATE_DIR = '.light';

const journalFile = z.object({
  format: z.literal('light-process/journal@1'),
  runId: z.string(),
  workflowId: z.string(),
  /** The `light run` process; a journal left `running` by a process that is gone was interrupted. */
  pid: z.number().int(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  status: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'timeout']),
  resumedFrom: z.string().nullable(),
  input: z.record(z.string(), z.unknown()),
  fingerprints: z.record(z.string(), z.string()),
  nodes: z.record(
    z.string(),
    z.object({
      status: z.string(),
      output: z.record(z.string(), z.unknown()).nullable(),
      iterations: z.number().int(),
    }),
  ),
});
/** One run's journal, `.light/runs/<runId>.json`. */
export type JournalFile = z.infer<typeof journalFile>;

/**
 * The local run journal of `light run` (all-in-one or not): rewritten (atomically) when the run
 * starts, after every node end and when it ends, so that `--resume <runId>` finds the outputs
 * of the nodes that succeeded even after a crash or a kill.
 */
export class RunJournal {
  readonly #path: string;
  readonly #data: JournalFile;

  private constructor(path: string, data: JournalFile) {
    this.#path = path;
    this.#data = data;
  }

  /** Starts the journal of a new run in `<stateDir>/runs/`. */
  static start(
    stateDir: string,
    run: Pick<JournalFile, 'runId' | 'workflowId' | 'input' | 'fingerprints' | 'resumedFrom'>,
  ): RunJournal {
    const dir = join(stateDir, 'runs');
    try {
      mkdirSync(dir, { recursive: true });
    } catch (cause) {
      throw fileSystemError('create the run journal folder', dir, cause);
    }
    const journal = new RunJournal(join(dir, `${run.runId}.json`), {
      format: 'light-process/journal@1',
      ...run,
      pid: process.pid,
      createdAt: new Date().toISOString(),
      finishedAt: null,
      status: 'running',
      nodes: {},
    });
    journal.#write();
    return journal;
  }

  /** Records how a node ended. */
  nodeEnded(result: NodeResult): void {
    this.#data.nodes[result.nodeId] = {
      status: result.status,
      output: result.status === 'succeeded' ? result.output : null,
      iterations: result.iterations,
    };
    this.#write();
  }

  /** Records how the run ended (and nodes the executor settled without an end callback). */
  finish(result: WorkflowResult): void {
    for (const node of Object.values(result.results))
      if (!this.#data.nodes[node.nodeId]) this.nodeEnded(node);
    const code = result.error?.code;
    this.#data.status = result.success
      ? 'succeeded'
      : code === 'WORKFLOW_CANCELLED'
        ? 'cancelled'
        : code === 'WORKFLOW_TIMEOUT'
          ? 'timeout'
          : 'failed';
    this.#data.finishedAt = new Date().toISOString();
    this.#write();
  }

  #write(): void {
    const tmp = `${this.#path}.tmp`;
    try {
      writeFileSync(tmp, `${JSON.stringify(this.#data, null, 2)}\n`);
      renameSync(tmp, this.#path);
    } catch (cause) {
      throw fileSystemError('write the run journal', this.#path, cause);
    }
  }
}

/** Reads the journal of `runId`; a missing one is a usage error that says where it was looked for. */
export function readJournal(stateDir: string, runId: string): JournalFile {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(runId)) throw new UsageError(`--resume: "${runId}" is not a run id`);
  const path = join(stateDir, 'runs', `${runId}.json`);
  if (!existsSync(path))
    throw new UsageError(
      `no run ${runId} in ${join(stateDir, 'runs')} (light run keeps its journal in .light/ of the folder it was started from)`,
    );
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw fileSystemError('read the run journal', path, cause);
  }
  return parseFileContent(journalFile, parseJson(text, path), path);
}

/** A journal as `planResume` reads it: a run left `running` by a process that is gone is `interrupted`. */
export function recordedRun(journal: JournalFile): RecordedRun {
  const status = journal.status === 'running' && !alive(journal.pid) ? 'interrupted' : journal.status;
  return {
    runId: journal.runId,
    status,
    fingerprints: journal.fingerprints,
    nodes: Object.entries(journal.nodes).map(([nodeId, n]) => ({ nodeId, ...n })),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is someone else's; ESRCH: it is gone.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
