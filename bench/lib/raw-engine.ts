import type Dockerode from 'dockerode';
import { BENCH_LABELS, BENCH_NETWORK, HARDENED_HOST_CONFIG, packFiles, readFirstFile } from './docker.ts';
import { nowMs } from './stats.ts';
import { checkStepOutput, STEP_IMAGE, STEP_INPUT, STEP_OUTPUT, STEP_SCRIPT, STEP_WORKDIR } from './step.ts';

/** Milliseconds spent in each engine call of one lifecycle. */
export interface Phases {
  create: number;
  copyIn: number;
  start: number;
  wait: number;
  copyOut: number;
  remove: number;
  /** Until the output was read (what a caller waits for). */
  result: number;
  /** Including the remove. */
  total: number;
}

/** Container spec of the trivial step: hardened, default bridge, labelled. */
export function stepSpec(
  cmd: string[] = ['sh', '-c', STEP_SCRIPT],
  network: string = BENCH_NETWORK,
): Dockerode.ContainerCreateOptions {
  return {
    Image: STEP_IMAGE,
    Cmd: cmd,
    WorkingDir: STEP_WORKDIR,
    Labels: { ...BENCH_LABELS },
    HostConfig: { ...HARDENED_HOST_CONFIG, NetworkMode: network },
  };
}

/**
 * Runs the rest of the lifecycle on a created (not started) container: copy in `files`,
 * start, wait, copy out the output, remove. `create` is the time already spent creating.
 */
export async function finishLifecycle(
  container: Dockerode.Container,
  files: Record<string, string>,
  t0: number,
  create: number,
): Promise<Phases> {
  let t = nowMs();
  const mark = () => {
    const now = nowMs();
    const d = now - t;
    t = now;
    return d;
  };
  try {
    await container.putArchive(await packFiles(files), { path: STEP_WORKDIR });
    const copyIn = mark();
    await container.start();
    const start = mark();
    const exit = (await container.wait()) as { StatusCode: number };
    const wait = mark();
    if (exit.StatusCode !== 0) throw new Error(`step exited with ${exit.StatusCode}`);
    const archive = await container.getArchive({ path: `${STEP_WORKDIR}/${STEP_OUTPUT}` });
    checkStepOutput(await readFirstFile(archive));
    const copyOut = mark();
    const result = nowMs() - t0;
    await container.remove({ force: true });
    const remove = mark();
    return { create, copyIn, start, wait, copyOut, remove, result, total: nowMs() - t0 };
  } catch (err) {
    await container.remove({ force: true }).catch(() => undefined); // best effort; the leak check reports leftovers
    throw err;
  }
}

/** Variant (b): the engine's own lifecycle, create to remove, through dockerode. */
export async function rawLifecycle(docker: Dockerode, network: string = BENCH_NETWORK): Promise<Phases> {
  const t0 = nowMs();
  const container = await docker.createContainer(stepSpec(undefined, network));
  return finishLifecycle(container, { [STEP_INPUT.name]: STEP_INPUT.content }, t0, nowMs() - t0);
}
