import type { Readable } from 'node:stream';
import { type Engine, engineStatus } from '../engine/engine.ts';
import { type PullProgress, pullImage, pullProgressLines } from '../engine/pull-image.ts';
import {
  asRunnerError,
  asStepError,
  ContainerError,
  type LightRunnerError,
  NetworkNotFoundError,
} from '../errors.ts';
import { packFiles } from '../files/archive-in.ts';
import { packHostFiles } from '../files/host-files.ts';
import { pumpLogs } from '../logs/pump-logs.ts';
import type { RunRecord } from '../state/run-record.ts';
import type { RunResult } from '../types.ts';
import { raceTimeout } from '../util/race-timeout.ts';
import type { ContainerSource } from './container-source.ts';
import { aliasesFor, containerSpec } from './container-spec.ts';
import { quotaBytes, watchDisk } from './disk-watch.ts';
import type { Execution } from './execution.ts';
import { finalize, type Outcome } from './finalize.ts';
import type { RunContext } from './run-context.ts';
import type { ValidRequest } from './validate-request.ts';

/** How long the log stream may trail the container's exit before it is cut. */
const LOG_DRAIN_MS = 5_000;

/** The first record of a run, written before anything is created. */
export function initialRecord(ctx: RunContext, req: ValidRequest): RunRecord {
  const record: RunRecord = {
    id: req.id,
    status: 'running',
    image: req.image,
    detached: req.detached,
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    exitCode: null,
    durationMs: null,
    artifacts: [],
    workdir: req.workdir,
    extract: req.extract,
    owner: ctx.options.owner,
  };
  if (req.timeoutMs > 0) record.timeoutMs = req.timeoutMs;
  if (req.artifacts && req.artifacts.length > 0) record.artifactGlobs = req.artifacts;
  return record;
}

/**
 * Drives one run this process started, whatever gave it its container (`source`: a cold
 * create, or a parked container of the warm pool): put the container in place with the
 * request's files, start it, pipe stdin, wait, finalize. Everything after the container is
 * in place (record, timeout, cancel, logs, disk watch, wait, drain, finalize) is this one
 * path for both.
 */
export async function launch(
  ctx: RunContext,
  exec: Execution,
  req: ValidRequest,
  source: ContainerSource = coldSource,
): Promise<RunResult> {
  // Busy with the engine from here to the release, and again from the exit to the end.
  const work: EngineBusy = { leave: ctx.engineWork.enter() };
  try {
    await removeLeftovers(ctx);
    const base = initialRecord(ctx, req);
    const writes: Promise<unknown>[] = [ctx.store.write(base)];
    const state: Outcome = { containerId: undefined, exitCode: null, startedAt: null, finishedAt: '' };
    try {
      await drive(ctx, exec, req, source, state, writes, work);
    } catch (err) {
      state.failure = asRunnerError(
        err,
        (detail) => new ContainerError('START_FAILED', detail, { runId: req.id }, err),
      );
    }
    state.finishedAt = new Date().toISOString();
    exec.containerCreated(undefined);
    exec.containerExited();
    try {
      await Promise.all(writes);
    } catch (err) {
      // Without its record nobody could find this container again: remove it, then fail.
      if (state.containerId) await ctx.engine.remove(state.containerId);
      throw err;
    }
    return await finalize(ctx, exec, base, state);
  } finally {
    work.leave();
  }
}

/** The current busy mark of a run on the runner's {@link RunContext.engineWork}. */
interface EngineBusy {
  leave: () => void;
}

/** Retries the removal of containers a finished run could not remove (the engine was away then). */
async function removeLeftovers(ctx: RunContext): Promise<void> {
  for (const containerId of [...ctx.leftovers]) {
    try {
      await ctx.engine.remove(containerId);
      ctx.leftovers.delete(containerId);
    } catch (err) {
      // Still unreachable: this run will report that itself; the removal is retried next time.
      ctx.options.log(`light-runner: could not remove container ${containerId}: ${String(err)}`);
    }
  }
}

async function drive(
  ctx: RunContext,
  exec: Execution,
  req: ValidRequest,
  source: ContainerSource,
  state: Outcome,
  writes: Promise<unknown>[],
  work: EngineBusy,
): Promise<void> {
  const { engine } = ctx;
  const stream = await source.open(ctx, exec, req, state);
  const containerId = state.containerId;
  if (!stream || !containerId) return;
  const output = stream as unknown as Readable;
  try {
    if (exec.stopReason) return;
    await source.start(ctx, containerId, req);
    state.startedAt = new Date().toISOString();
    const startedAt = state.startedAt;
    writes.push(ctx.store.update(req.id, (r) => ({ ...r, startedAt, containerId })));
    if (req.timeoutMs > 0) exec.armTimeout(req.timeoutMs);
    // A cancel that raced the start found nothing to kill yet.
    if (exec.stopReason) await engine.kill(containerId, 'SIGKILL');

    const logs = pumpLogs(output, (line) => exec.emit(line));
    source.feed(stream, req);
    work.leave(); // the program runs: the engine is free for the pool meanwhile
    const unwatch = watchDisk(ctx, exec, containerId);
    const exit = await engine.wait(containerId, 'not-running').finally(unwatch);
    work.leave = ctx.engineWork.enter();
    state.exitCode = exit.exitCode;
    exec.containerExited();
    await drain(logs, output);
  } finally {
    output.destroy();
  }
}

/** The cold path: create (pulling the image only on a 404), connect, upload || attach, start. */
const coldSource: ContainerSource = {
  async open(ctx, exec, req, state) {
    const [primary = ctx.defaultNetwork.name, ...extra] = req.networks;
    const hasFiles = Object.keys(req.files).length > 0 || (req.copyIn?.length ?? 0) > 0;
    if (req.networks.length === 0) await ctx.defaultNetwork.ensure();
    if (exec.stopReason) return undefined;
    const containerId = await createContainer(ctx, req, primary, pullProgress(ctx, exec, req.image));
    state.containerId = containerId;
    exec.containerCreated(containerId);
    // The engine registers an attach before it answers, so attaching before start loses no
    // output, and the stream ends only once all of it was copied (a logs follow can end
    // before the last partial line is flushed).
    const [stream] = await Promise.all([
      wrap(ctx.engine.attach(containerId, req.stdin !== undefined), 'START_FAILED', req.id),
      ...extra.map((network) => connect(ctx.engine, network, containerId, req.id)),
      hasFiles ? uploadFiles(ctx.engine, containerId, req) : undefined,
    ]);
    return stream;
  },
  start: (ctx, containerId, req) => startContainer(ctx, containerId, req.networks.length === 0, req.id),
  feed(stream, req) {
    if (req.stdin !== undefined) stream.end(req.stdin);
  },
};

/** Pull progress goes to the runner's listener and, once per distinct status, into the run's log (stderr). */
function pullProgress(ctx: RunContext, exec: Execution, image: string): (event: PullProgress) => void {
  const emit = (line: string) => exec.emit({ stream: 'stderr', line, time: new Date().toISOString() });
  return pullProgressLines(image, emit, ctx.options.onPullProgress);
}

async function createContainer(
  ctx: RunContext,
  req: ValidRequest,
  primary: string,
  onPullProgress: (event: PullProgress) => void,
): Promise<string> {
  const spec = containerSpec(req, ctx.options, primary, await quotaBytes(ctx, req.image, onPullProgress));
  const failed = (err: unknown): LightRunnerError =>
    asStepError(err, 'CREATE_FAILED', { runId: req.id, image: req.image });
  try {
    return await ctx.engine.createContainer(spec);
  } catch (err) {
    if (engineStatus(err) !== 404) throw failed(err);
    const image = await ctx.engine.callOrMissing('inspect image', () =>
      ctx.engine.docker.getImage(req.image).inspect(),
    );
    if (image) throw failed(err);
  }
  await pullImage(ctx.engine, req.image, onPullProgress);
  return ctx.engine.createContainer(spec).catch((err: unknown) => Promise.reject(failed(err)));
}

async function startContainer(ctx: RunContext, containerId: string, usesDefault: boolean, runId: string) {
  try {
    await ctx.engine.start(containerId);
  } catch (err) {
    const status = engineStatus(err);
    if (ctx.options.gpus !== undefined && status === 500) throw gpuStartError(err, ctx.options.gpus, runId);
    if (!usesDefault || (status !== 404 && status !== 400)) throw asStepError(err, 'START_FAILED', { runId });
    // 404: the shared network was removed behind our back (close() of another runner,
    // cleanup); 400: a racing creator's duplicate made its name ambiguous for a moment.
    // Make sure exactly one exists again, then retry once.
    ctx.defaultNetwork.forget();
    await ctx.defaultNetwork.ensure();
    await ctx.engine.start(containerId).catch((retryErr: unknown) => {
      throw asStepError(retryErr, 'START_FAILED', { runId });
    });
  }
}

/**
 * The engine answers 500 on start when it cannot hand out the devices of a request (no
 * NVIDIA toolkit, fewer GPUs than asked): say which GPU request could not be met.
 */
function gpuStartError(err: unknown, gpus: 'all' | number, runId: string): LightRunnerError {
  const detail = err instanceof Error ? err.message : String(err);
  const asked = gpus === 'all' ? 'all GPUs' : `${gpus} GPU(s)`;
  return new ContainerError(
    'START_FAILED',
    `the engine could not start the container with ${asked} (the runner's gpus option; it needs the NVIDIA container toolkit and enough GPUs): ${detail}`,
    { runId, field: 'gpus', statusCode: 500 },
    err,
  );
}

async function uploadFiles(engine: Engine, containerId: string, req: ValidRequest): Promise<void> {
  if (Object.keys(req.files).length > 0) {
    await wrap(engine.putArchive(containerId, req.workdir, packFiles(req.files)), 'COPY_IN_FAILED', req.id);
  }
  // After the request's files, so a host file of the same path wins, as documented.
  if (req.copyIn && req.copyIn.length > 0) {
    await wrap(
      engine.putArchive(containerId, req.workdir, packHostFiles(req.copyIn)),
      'COPY_IN_FAILED',
      req.id,
    );
  }
}

async function connect(engine: Engine, network: string, containerId: string, runId: string): Promise<void> {
  try {
    await engine.connectNetwork(network, containerId, aliasesFor(network, runId));
  } catch (err) {
    if (engineStatus(err) === 404) throw new NetworkNotFoundError(network, err);
    throw err;
  }
}

/** Awaits one step, re-labelling a plain engine failure with the step's code. */
async function wrap<T>(step: Promise<T>, code: 'START_FAILED' | 'COPY_IN_FAILED', runId: string): Promise<T> {
  try {
    return await step;
  } catch (err) {
    throw asStepError(err, code, { runId });
  }
}

/** Waits for the log stream to end after the exit, cutting it if it trails too long. */
async function drain(logs: Promise<void>, stream: Readable): Promise<void> {
  if (await raceTimeout(logs, LOG_DRAIN_MS)) {
    stream.destroy();
    await logs;
  }
}
