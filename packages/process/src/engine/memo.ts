import type { WorkflowNode } from '../definition/definitions.ts';
import { cacheTtlMs, type NodeCacheEntry, nodeCacheKey } from './node-cache.ts';
import { nodeRequest, type RequestContext } from './node-request.ts';
import type { ExecuteOptions } from './types.ts';

/** What a lookup found: the key it used, and the entry on a hit. */
export interface MemoLookup {
  key: string;
  /** Whether the key holds the image ID (else the reference: recomputed once the image is there). */
  resolved: boolean;
  entry?: NodeCacheEntry;
}

/**
 * The node cache as the DAG run uses it: a lookup before a memoized node runs, a record after
 * it succeeded. A cache that fails never fails the node: the problem is written to the node's
 * log and the node runs (or its output goes unrecorded).
 */
export class Memo {
  constructor(
    private readonly workflowId: string,
    private readonly options: ExecuteOptions,
    private readonly warn: (nodeId: string, line: string) => void,
  ) {}

  /** The entry for this node and input, when one is recorded and unexpired. */
  async lookup(node: WorkflowNode, input: unknown, context: RequestContext): Promise<MemoLookup | undefined> {
    try {
      const { key, resolved } = await this.key(node, input, context);
      const entry = await this.options.cache?.get(key);
      return { key, resolved, ...(entry ? { entry } : {}) };
    } catch (error) {
      this.warn(node.id, `light-process: node cache not used: ${reason(error)}`);
      return undefined;
    }
  }

  /** Records a success under the lookup's key (recomputed when the image was not resolved then). */
  async store(
    node: WorkflowNode,
    input: unknown,
    context: RequestContext,
    lookup: MemoLookup,
    output: Record<string, unknown>,
  ): Promise<void> {
    if (!node.cache) return;
    try {
      const key = lookup.resolved ? lookup.key : (await this.key(node, input, context)).key;
      const now = Date.now();
      await this.options.cache?.put({
        key,
        workflowId: this.workflowId,
        nodeId: node.id,
        output,
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + cacheTtlMs(node.cache)).toISOString(),
      });
    } catch (error) {
      this.warn(node.id, `light-process: node cache not recorded: ${reason(error)}`);
    }
  }

  private async key(
    node: WorkflowNode,
    input: unknown,
    context: RequestContext,
  ): Promise<{ key: string; resolved: boolean }> {
    const body = nodeRequest(node, input, context);
    const imageId = await this.options.runner.imageId?.(node.image);
    return { key: nodeCacheKey(body, imageId), resolved: imageId !== undefined };
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
