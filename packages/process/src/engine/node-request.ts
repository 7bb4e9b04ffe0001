import type {
  NodeFile,
  ServiceDefinition,
  WorkflowDefinition,
  WorkflowNode,
} from '../definition/definitions.ts';
import { LightProcessError } from '../definition/errors.ts';
import type { RunBody } from '../definition/wire-types.ts';
import { type EnvSource, resolveEnvNames } from './env-policy.ts';
import type { NodeTransfer } from './node-transfer.ts';
import { DEFAULT_WORKDIR, outputExtractPath } from './output-channel.ts';

/**
 * Sent as the only file of a node that has none: light-run's `files` holds at least one
 * entry (execution page), and an empty marker in the workdir harms no program.
 */
export const PLACEHOLDER_FILE = '.lp-node';

/** What a node's request depends on besides the node itself. */
export interface RequestContext {
  /** Workflow defaults (`networks`, `timeout`) for fields the node leaves unset. */
  defaults?: WorkflowDefinition['defaults'];
  /** networkDef alias -> run-scoped network name (`lp-<runId>-<alias>`). */
  networks: ReadonlyMap<string, string>;
  /** service id -> its light-run id, which is its hostname. */
  services: ReadonlyMap<string, string>;
  /** Where `env` names get their values: the values `resolveWorkflowEnv` returned, or a policy. */
  env: EnvSource;
  /** The lease every run is tied to (passed to `runStep`, not part of the body built here). */
  lease?: string;
  /** Adds mounts of upstream artifacts and uploads of large files to each node's request. */
  transfer?: NodeTransfer;
}

/** Maps one node and its runtime input to a light-run `POST /run` body, field by field. */
export function nodeRequest(node: WorkflowNode, input: unknown, context: RequestContext): RunBody {
  const body: RunBody = { image: node.image, files: withPlaceholder(node.files), input };
  if (node.entrypoint !== undefined) body.entrypoint = node.entrypoint;
  if (node.setup !== undefined && node.setup.length > 0) body.setup = node.setup;
  const timeout = node.timeout ?? context.defaults?.timeout ?? 0;
  if (timeout > 0) body.timeout = timeout;
  const networks = rewriteNetworks(node.networks ?? context.defaults?.networks ?? [], context.networks);
  if (networks.length > 0) body.networks = networks;
  if (node.workdir !== undefined && node.workdir !== DEFAULT_WORKDIR) body.workdir = node.workdir;
  const env = {
    ...resolveEnvNames({ kind: 'node', id: node.id }, node.env, context.env),
    ...provided(node, context.services),
  };
  if (Object.keys(env).length > 0) body.env = env;
  body.extract = [outputExtractPath(node.workdir)];
  if (node.artifacts && node.artifacts.length > 0) body.artifacts = node.artifacts;
  return body;
}

/** Maps a service to its detached light-run body (networks rewritten, env resolved). */
export function serviceRequest(service: ServiceDefinition, context: RequestContext): RunBody {
  const body: RunBody = { image: service.image, files: withPlaceholder(service.files), detached: true };
  if (service.entrypoint !== undefined) body.entrypoint = service.entrypoint;
  if (service.setup !== undefined && service.setup.length > 0) body.setup = service.setup;
  const networks = rewriteNetworks(service.networks ?? [], context.networks);
  if (networks.length > 0) body.networks = networks;
  if (service.workdir !== undefined && service.workdir !== DEFAULT_WORKDIR) body.workdir = service.workdir;
  const env = resolveEnvNames({ kind: 'service', id: service.id }, service.env, context.env);
  if (Object.keys(env).length > 0) body.env = env;
  return body;
}

/** The run-scoped name of a networkDef alias. */
export function scopedNetworkName(runId: string, alias: string): string {
  return `lp-${runId}-${alias}`;
}

function withPlaceholder(files: Record<string, NodeFile> | undefined): Record<string, NodeFile> {
  return files && Object.keys(files).length > 0 ? files : { [PLACEHOLDER_FILE]: '' };
}

function rewriteNetworks(names: readonly string[], scoped: ReadonlyMap<string, string>): string[] {
  return names.map((name) => scoped.get(name) ?? name);
}

function provided(node: WorkflowNode, services: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, template] of Object.entries(node.providesEnv ?? {})) {
    out[name] = template.replace(/\$\{service:([^}]*)\}/g, (_match, id: string) => {
      const host = services.get(id);
      if (host === undefined) {
        throw new LightProcessError(
          'ENV_MISSING',
          `node "${node.id}": providesEnv ${name} names unknown service "${id}"`,
          {
            nodeId: node.id,
            field: `providesEnv.${name}`,
          },
        );
      }
      return host;
    });
  }
  return out;
}
