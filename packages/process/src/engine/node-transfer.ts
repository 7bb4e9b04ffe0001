import type { NodeFile, WorkflowDefinition, WorkflowNode } from '../definition/definitions.ts';
import type { RunBody } from '../definition/wire-types.ts';
import { PLACEHOLDER_FILE } from './node-request.ts';
import { filesBytes } from './request-size.ts';
import type { StepRunner } from './step-runner.ts';
import type { NodeResult, TeardownErrorCode } from './types.ts';

/** Where a downstream node finds the artifacts of `fromNodeId`, relative to its workdir. */
export function inboxPath(fromNodeId: string): string {
  return `in/${fromNodeId}`;
}

/**
 * Part of a request body the files of a node may take before they go as an upload instead,
 * leaving room for the input and the rest of the body.
 */
const INLINE_SHARE = 0.5;

/**
 * The files that move between the runs of one workflow execution, never through this
 * process's memory as artifacts: each node's request names the artifacts of the nodes its
 * links come from (`mounts`, copied by light-run from its artifact store), and a node whose
 * files do not fit in a request body is uploaded once (`upload`). `close` deletes the
 * uploads, and the runs that produced artifacts (so their artifacts go) unless kept.
 */
export class NodeTransfer {
  private readonly uploads = new Map<string, Promise<string>>();
  private readonly producers = new Set<string>();
  private readonly into = new Map<string, string[]>();

  constructor(
    private readonly definition: WorkflowDefinition,
    private readonly runner: StepRunner,
  ) {
    for (const link of definition.links) {
      const from = definition.nodes.find((n) => n.id === link.from);
      if (!from?.artifacts || from.artifacts.length === 0) continue;
      const list = this.into.get(link.to) ?? [];
      if (!list.includes(link.from)) list.push(link.from);
      this.into.set(link.to, list);
    }
  }

  /**
   * Adds `mounts` (the artifacts of every node a link leads from that succeeded, each under
   * `in/<its id>/`) and `upload` (files too large for a body) to a node's request.
   */
  async complete(
    node: WorkflowNode,
    body: RunBody,
    results: Readonly<Record<string, NodeResult>>,
    signal?: AbortSignal,
  ): Promise<RunBody> {
    const out: RunBody = { ...body };
    const mounts = (this.into.get(node.id) ?? []).flatMap((fromId) => {
      const result = results[fromId];
      const from = this.definition.nodes.find((n) => n.id === fromId);
      if (result?.status !== 'succeeded' || !result.runId || !from?.artifacts) return [];
      return [{ fromRun: result.runId, paths: from.artifacts, to: inboxPath(fromId) }];
    });
    if (mounts.length > 0) out.mounts = mounts;
    const files = node.files ?? {};
    const max = this.runner.maxRequestBytes;
    if (this.runner.uploadFiles && max !== undefined && filesBytes(files) > max * INLINE_SHARE) {
      out.upload = await this.upload(node.id, files, signal);
      out.files = { [PLACEHOLDER_FILE]: '' };
    }
    return out;
  }

  /** Notes a node's run that kept artifacts, to delete at `close`. */
  produced(node: WorkflowNode, runId: string | undefined): void {
    if (runId && node.artifacts && node.artifacts.length > 0) this.producers.add(runId);
  }

  /** Deletes the uploads and, unless `keepArtifacts`, the producing runs; returns the problems met. */
  async close(keepArtifacts: boolean): Promise<{ code: TeardownErrorCode; message: string }[]> {
    const problems: { code: TeardownErrorCode; message: string }[] = [];
    const note = (what: string) => (cause: unknown) => {
      problems.push({
        code: 'TEARDOWN_FAILED',
        message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
      });
    };
    const uploads = [...this.uploads.values()];
    this.uploads.clear();
    for (const pending of uploads) {
      const id = await pending.catch(() => undefined);
      if (id) await this.runner.deleteUpload?.(id).catch(note(`cannot delete upload ${id}`));
    }
    if (!keepArtifacts) {
      for (const runId of this.producers) {
        await this.runner.deleteRun?.(runId).catch(note(`cannot delete the artifacts of run ${runId}`));
      }
    }
    this.producers.clear();
    return problems;
  }

  private upload(nodeId: string, files: Record<string, NodeFile>, signal?: AbortSignal): Promise<string> {
    let pending = this.uploads.get(nodeId);
    if (!pending) {
      const runner = this.runner as Required<Pick<StepRunner, 'uploadFiles'>>;
      pending = runner.uploadFiles(files, signal ? { signal } : {});
      // A failed upload is retried by the next run of the node (a loop), not cached.
      pending.catch(() => this.uploads.delete(nodeId));
      this.uploads.set(nodeId, pending);
    }
    return pending;
  }
}
