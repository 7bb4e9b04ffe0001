import { LABELS } from '../labels.ts';
import { DROPPED_CAPABILITIES } from '../run/container-spec.ts';
import type { ResolvedOptions } from '../run/options.ts';
import type { ValidRequest } from '../run/validate-request.ts';
import { SCRIPT_FILE } from './task-script.ts';

/** A config the task mounts: its id and name on the manager, and where it lands. */
export interface MountedConfig {
  id: string;
  name: string;
  target: string;
  mode: number;
}

/** Networks the engine predefines: node-local, and without aliases. */
const NODE_LOCAL = new Set(['none', 'bridge', 'host']);

/** Service label holding the run's output-channel nonce. */
export const NONCE_LABEL = 'dev.light.output-nonce';

/** The service name of a run. */
export function serviceName(runId: string): string {
  return `light-${runId}`;
}

/**
 * The create body of one run's service: a replicated job of one task that never restarts,
 * with the local backend's hardening as far as Swarm's API 1.41 carries it (dropped
 * capabilities, PID/memory/CPU limits, per-file size ulimit, an init as PID 1). The memory
 * cap is also reserved, so Swarm only places a task where it fits. Names resolve by DNS
 * round robin to the task's own address, not to a virtual IP: a run has one task, so a VIP
 * would balance nothing, and it needs IPVS in the worker's kernel, which not every kernel has
 * (without it the VIP silently drops every connection).
 */
export function serviceSpec(
  request: ValidRequest,
  options: ResolvedOptions,
  image: string,
  configs: MountedConfig[],
  nonce: string,
): Record<string, unknown> {
  const labels = {
    ...request.labels,
    [LABELS.managed]: 'true',
    [LABELS.runId]: request.id,
    [LABELS.owner]: options.owner,
    [LABELS.kind]: 'run',
  };
  const networks = request.networks.map((name) =>
    NODE_LOCAL.has(name) ? { Target: name } : { Target: name, Aliases: [request.id] },
  );
  return {
    Name: serviceName(request.id),
    // The output channel's nonce is a label of the service only (tasks never see service
    // labels), so a light-run that re-attaches can still read the channel.
    Labels: { ...labels, [NONCE_LABEL]: nonce },
    Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
    EndpointSpec: { Mode: 'dnsrr' },
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        Labels: labels,
        Command: ['/bin/sh', SCRIPT_FILE],
        Env: request.env,
        Dir: '/',
        Hostname: request.id,
        Init: true,
        StopSignal: 'SIGTERM',
        CapabilityDrop: DROPPED_CAPABILITIES,
        Ulimits: [{ Name: 'fsize', Soft: options.diskBytes, Hard: options.diskBytes }],
        Configs: configs.map((c) => ({
          ConfigID: c.id,
          ConfigName: c.name,
          File: { Name: c.target, UID: '0', GID: '0', Mode: c.mode },
        })),
      },
      Resources: {
        Limits: {
          MemoryBytes: options.memoryBytes,
          NanoCPUs: Math.round(options.cpus * 1e9),
          Pids: options.pids,
        },
        Reservations: { MemoryBytes: options.memoryBytes },
      },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      LogDriver: { Name: 'json-file', Options: { 'max-size': '64m', 'max-file': '1' } },
      ...(networks.length > 0 ? { Networks: networks } : {}),
    },
  };
}
