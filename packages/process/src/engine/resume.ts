import type { WorkflowDefinition } from '../definition/definitions.ts';
import { LightProcessError } from '../definition/errors.ts';
import { canonicalJson, sha256 } from './node-cache.ts';

/** One node of a recorded run, as a resume needs it. */
export interface RecordedNode {
  nodeId: string;
  /** How it ended (`succeeded` is the only status whose output is reused). */
  status: string;
  output: Record<string, unknown> | null;
  iterations: number;
}

/** What a face recorded of a run: its status, node fingerprints and node ends. */
export interface RecordedRun {
  runId: string;
  /** The run's status in the face's words; `running`, `queued` and `succeeded` refuse a resume. */
  status: string;
  /** `nodeFingerprints` of the definition it ran; null when not recorded. */
  fingerprints: Record<string, string> | null;
  nodes: readonly RecordedNode[];
}

/**
 * A fingerprint per node of everything that makes its recorded output meaningful: image,
 * entrypoint, setup, files, workdir, env names, providesEnv, inputs/outputs schemas, and the
 * links into it (source, `when`, `data`, `maxIterations`). Not in it: name, timeout, networks,
 * retry and cache, which do not change what a successful run outputs.
 */
export function nodeFingerprints(definition: WorkflowDefinition): Record<string, string> {
  const out: Record<string, string> = {};
  for (const node of definition.nodes) {
    const incoming = definition.links
      .filter((l) => l.to === node.id)
      .map((l) => ({
        from: l.from,
        when: l.when ?? null,
        data: l.data ?? null,
        max: l.maxIterations ?? null,
      }));
    out[node.id] = sha256(
      canonicalJson({
        image: node.image,
        entrypoint: node.entrypoint ?? null,
        setup: node.setup ?? [],
        files: node.files ?? {},
        workdir: node.workdir ?? null,
        env: node.env ?? [],
        providesEnv: node.providesEnv ?? {},
        inputs: node.inputs ?? null,
        outputs: node.outputs ?? null,
        incoming,
      }),
    );
  }
  return out;
}

/**
 * Which recorded outputs a resume of `recorded` with the `current` definition reuses: every
 * node that succeeded (in one iteration: nodes of a loop run again) and still exists. Refuses
 * (`RESUME_REFUSED`) a run still running or that succeeded, and a run in which a node whose
 * output would be reused has changed since (its output no longer means anything), naming it.
 */
export function planResume(
  current: WorkflowDefinition,
  recorded: RecordedRun,
): Map<string, Record<string, unknown>> {
  const { runId, status } = recorded;
  if (status === 'running' || status === 'queued')
    throw new LightProcessError(
      'RESUME_REFUSED',
      `run ${runId} is still ${status}: only an ended run can be resumed`,
    );
  if (status === 'succeeded')
    throw new LightProcessError('RESUME_REFUSED', `run ${runId} succeeded: there is nothing to resume`);
  if (!recorded.fingerprints)
    throw new LightProcessError(
      'RESUME_REFUSED',
      `run ${runId} was recorded without node fingerprints (before resumes existed): start a new run`,
    );
  const now = nodeFingerprints(current);
  const reuse = new Map<string, Record<string, unknown>>();
  for (const node of recorded.nodes) {
    if (node.status !== 'succeeded' || node.iterations !== 1 || !(node.nodeId in now)) continue;
    if (recorded.fingerprints[node.nodeId] !== now[node.nodeId]) {
      throw new LightProcessError(
        'RESUME_REFUSED',
        `cannot resume run ${runId}: node "${node.nodeId}" changed since that run (its recorded output would not match the new definition); start a new run`,
        { nodeId: node.nodeId },
      );
    }
    reuse.set(node.nodeId, node.output ?? {});
  }
  return reuse;
}
