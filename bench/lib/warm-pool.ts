import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { packFiles, readFirstFile } from './docker.ts';
import { type Phases, stepSpec } from './raw-engine.ts';
import { nowMs } from './stats.ts';
import { checkStepOutput, STEP_INPUT, STEP_OUTPUT, STEP_SCRIPT, STEP_WORKDIR } from './step.ts';

// A prototype of a warm pool on the raw Engine API, to measure what preparing containers
// ahead of a request can save. Not light-runner code: the design goes into the report.

/** Where the request's command goes, since a prepared container cannot know it at create time. */
const ENTRY = '.lp-entry.sh';

/** How far ahead a container is prepared. */
export type WarmMode = 'created' | 'started';

interface Prepared {
  container: Dockerode.Container;
  /** For `started`: the hijacked stdin that releases the parked shell. */
  stdin?: Duplex;
}

/**
 * A pool of containers for one image, same hardened spec as the cold path:
 * `created` = created, not started (command reads its script from the workdir);
 * `started` = started and parked on `read` from stdin until the request's files are in.
 * Taking one refills the pool in the background (the refill competes with the request,
 * as it would in light-runner).
 */
export class WarmPool implements AsyncDisposable {
  private readonly ready: Promise<Prepared>[] = [];

  constructor(
    private readonly docker: Dockerode,
    readonly mode: WarmMode,
    readonly size: number,
  ) {
    for (let i = 0; i < size; i++) this.ready.push(this.prepare());
  }

  private async prepare(): Promise<Prepared> {
    if (this.mode === 'created') {
      const container = await this.docker.createContainer(stepSpec(['sh', `${STEP_WORKDIR}/${ENTRY}`]));
      return { container };
    }
    const spec = stepSpec(['sh', '-c', `read -r _ && exec sh ${STEP_WORKDIR}/${ENTRY}`]);
    spec.OpenStdin = true;
    spec.StdinOnce = true;
    spec.AttachStdin = true;
    const container = await this.docker.createContainer(spec);
    const stdin = (await container.attach({ stream: true, stdin: true, hijack: true })) as unknown as Duplex;
    stdin.on('error', () => undefined); // the engine closes it when the container exits
    await container.start();
    return { container, stdin };
  }

  /** Waits until every pooled container is prepared (call before measuring). */
  async fill(): Promise<void> {
    await Promise.all(this.ready);
  }

  /** One request served from the pool: files in, release, wait, output out, remove. */
  async run(): Promise<Phases> {
    const t0 = nowMs();
    const next = this.ready.shift();
    this.ready.push(this.prepare());
    if (!next) throw new Error('pool is empty');
    const { container, stdin } = await next;
    const create = nowMs() - t0;
    let t = nowMs();
    const mark = () => {
      const now = nowMs();
      const d = now - t;
      t = now;
      return d;
    };
    try {
      const files = { [STEP_INPUT.name]: STEP_INPUT.content, [ENTRY]: STEP_SCRIPT };
      await container.putArchive(await packFiles(files), { path: STEP_WORKDIR });
      const copyIn = mark();
      if (stdin) stdin.end('\n');
      else await container.start();
      const start = mark();
      const exit = (await container.wait()) as { StatusCode: number };
      const wait = mark();
      stdin?.destroy();
      if (exit.StatusCode !== 0) throw new Error(`warm step exited with ${exit.StatusCode}`);
      checkStepOutput(
        await readFirstFile(await container.getArchive({ path: `${STEP_WORKDIR}/${STEP_OUTPUT}` })),
      );
      const copyOut = mark();
      const result = nowMs() - t0;
      await container.remove({ force: true });
      const remove = mark();
      return { create, copyIn, start, wait, copyOut, remove, result, total: nowMs() - t0 };
    } catch (err) {
      stdin?.destroy();
      await container.remove({ force: true }).catch(() => undefined); // leak check reports leftovers
      throw err;
    }
  }

  /** Removes every prepared container. */
  async [Symbol.asyncDispose](): Promise<void> {
    const left = await Promise.allSettled(this.ready.splice(0));
    for (const p of left) {
      if (p.status !== 'fulfilled') continue;
      p.value.stdin?.destroy();
      await p.value.container.remove({ force: true }).catch(() => undefined); // already gone is fine
    }
  }
}
