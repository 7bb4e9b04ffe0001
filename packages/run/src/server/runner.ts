import { join } from 'node:path';
import { DockerRunner, type DockerRunnerOptions, SwarmRunner } from 'light-runner';
import type { ResolvedOptions } from './options.ts';

/** The runner of either backend; both answer the same calls. */
export type Runner = DockerRunner | SwarmRunner;

/** The light-runner instance behind one light-run: state in `<dataDir>/runner`, artifacts in `<dataDir>/artifacts`. */
export function createRunner(options: ResolvedOptions): Runner {
  const common: DockerRunnerOptions = {
    stateDir: join(options.dataDir, 'runner'),
    artifactsDir: join(options.dataDir, 'artifacts'),
    owner: options.owner,
    defaultNetwork: options.defaultNetwork,
    log: options.log,
    ...(options.docker ? { docker: options.docker as DockerRunnerOptions['docker'] } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.maxExtractBytes !== undefined ? { maxExtractBytes: options.maxExtractBytes } : {}),
  };
  if (options.backend === 'swarm') {
    return new SwarmRunner({ ...common, ...(options.registry ? { registry: options.registry } : {}) });
  }
  return new DockerRunner({
    ...common,
    ...(options.runtime ? { runtime: options.runtime } : {}),
    ...(options.gpus !== undefined ? { gpus: options.gpus } : {}),
    ...(options.warmPool ? { warmPool: { ...options.warmPool, images: [...options.warmPool.images] } } : {}),
  });
}
