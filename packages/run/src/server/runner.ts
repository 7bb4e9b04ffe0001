import { join } from 'node:path';
import { DockerRunner, type DockerRunnerOptions } from 'light-runner';
import type { ResolvedOptions } from './options.ts';

/** The light-runner instance behind one light-run: state in `<dataDir>/runner`, artifacts in `<dataDir>/artifacts`. */
export function createRunner(options: ResolvedOptions): DockerRunner {
  return new DockerRunner({
    stateDir: join(options.dataDir, 'runner'),
    artifactsDir: join(options.dataDir, 'artifacts'),
    owner: options.owner,
    defaultNetwork: options.defaultNetwork,
    log: options.log,
    ...(options.docker ? { docker: options.docker as DockerRunnerOptions['docker'] } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.runtime ? { runtime: options.runtime } : {}),
    ...(options.gpus !== undefined ? { gpus: options.gpus } : {}),
    ...(options.maxExtractBytes !== undefined ? { maxExtractBytes: options.maxExtractBytes } : {}),
    ...(options.warmPool ? { warmPool: { ...options.warmPool, images: [...options.warmPool.images] } } : {}),
  });
}
