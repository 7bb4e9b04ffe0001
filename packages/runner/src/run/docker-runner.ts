import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { DiskQuotaProbe } from '../enforcement/disk-quota.ts';
import type { RunnerEnforcement } from '../enforcement/runner-enforcement.ts';
import { Engine } from '../engine/engine.ts';
import {
  asRunnerError,
  InvalidRequestError,
  LightRunnerError,
  RunActiveError,
  RunNotFoundError,
} from '../errors.ts';
import { DefaultNetwork } from '../network/default-network.ts';
import { HostFirewall } from '../network/host-firewall.ts';
import { NetworkManager } from '../network/network-manager.ts';
import { EngineWork } from '../pool/engine-work.ts';
import type { PoolEntry } from '../pool/pool-entry.ts';
import { resolveWarmPool } from '../pool/pool-options.ts'; // warm-pool hook
import { WarmPool } from '../pool/warm-pool.ts'; // warm-pool hook
import { isTerminal, type RunRecord } from '../state/run-record.ts';
import { StateStore } from '../state/state-store.ts';
import type { LogLine, RunHandle, RunRequest, RunResult } from '../types.ts';
import { Execution } from './execution.ts';
import { resultOf } from './finalize.ts';
import { finishedHandle } from './finished-handle.ts';
import { launch } from './launch.ts';
import { type DockerRunnerOptions, resolveOptions } from './options.ts';
import { type ReapReport, reapOrphans } from './reaper.ts';
import { watchAttached } from './reattach.ts';
import type { RunContext } from './run-context.ts';
import { validateRequest } from './validate-request.ts';

/** Options of {@link DockerRunner.run} and {@link DockerRunner.attach}. */
export interface RunOptions {
  /** Receives every stdout/stderr line as it is printed. */
  onLog?: (line: LogLine) => void;
}

/** What every container of a runner gets: its caps (defaults applied), OCI runtime and GPUs. */
export interface RunnerSettings {
  /** Memory in bytes, CPUs (fractional), process count, writable-layer bytes. */
  readonly limits: { memoryBytes: number; cpus: number; pids: number; diskBytes: number };
  /** OCI runtime; undefined means the engine's default (runc). */
  readonly runtime: 'runc' | 'runsc' | undefined;
  /** GPUs requested for every container (`all` or a count); undefined means none. */
  readonly gpus: 'all' | number | undefined;
  /** Warm pool images and parked containers per image; undefined when off. */
  readonly warmPool: { images: readonly string[]; size: number } | undefined;
}

/**
 * Runs one hardened container per request over the Docker Engine API.
 *
 * @example
 * ```ts
 * await using runner = new DockerRunner({ stateDir: '/var/lib/light/state', artifactsDir: '/var/lib/light/artifacts' });
 * const run = runner.run(
 *   { image: 'localhost/light-sh', files: { 'a.txt': 'hi' }, entrypoint: 'cat a.txt > out.txt', extract: ['out.txt'] },
 *   { onLog: (l) => console.log(l.stream, l.line) },
 * );
 * const result = await run.result; // { status: 'succeeded', artifacts: [{ path: 'out.txt', ... }], ... }
 * ```
 */
export class DockerRunner implements AsyncDisposable {
  /** Helpers for the bridge networks runs join. */
  readonly networks: NetworkManager;
  private readonly ctx: RunContext;
  private readonly live = new Map<string, Execution>();
  /** warm-pool hook: undefined unless the `warmPool` option is given. */
  private readonly pool: WarmPool | undefined;

  constructor(options: DockerRunnerOptions) {
    const resolved = resolveOptions(options);
    const engine = new Engine(options.docker ?? new Dockerode());
    const firewall = new HostFirewall({
      mode: resolved.hostFirewall,
      engineEndpoint: engine.endpoint,
      engineLocal: engine.local,
      log: resolved.log,
    });
    this.ctx = {
      engine,
      store: new StateStore(resolved.stateDir),
      options: resolved,
      defaultNetwork: new DefaultNetwork(engine, resolved.defaultNetwork, resolved.owner, firewall),
      firewall,
      diskQuota: new DiskQuotaProbe(engine, resolved.owner, resolved.diskBytes),
      leftovers: new Set(),
      engineWork: new EngineWork(),
    };
    this.networks = new NetworkManager(engine, resolved.owner, firewall);
    // warm-pool hook
    this.pool = options.warmPool ? new WarmPool(this.ctx, resolveWarmPool(options.warmPool)) : undefined;
  }

  /**
   * Starts a run and returns its handle at once. Every failure, including an invalid
   * request (INVALID_REQUEST, nothing created), ends in `result`, which never rejects.
   */
  run(request: RunRequest, options: RunOptions = {}): RunHandle {
    let valid: ReturnType<typeof validateRequest>;
    try {
      valid = validateRequest(request);
    } catch (err) {
      const id = typeof request?.id === 'string' ? request.id : randomUUID();
      return finishedHandle(failedResult(id, err));
    }
    // warm-pool hook: a request without an id takes a parked container (and its id); one
    // with an id gets the container reserved under it, if any. Never waits.
    let pooled: PoolEntry | undefined;
    if (valid.copyIn) {
      // Host files go in through the cold path's upload; a parked container never sees them.
    } else if (request.id === undefined) {
      pooled = this.pool?.reserve(valid);
      if (pooled) {
        this.pool?.claim(pooled.id);
        valid = { ...valid, id: pooled.id };
      }
    } else {
      pooled = this.pool?.claim(valid.id);
    }
    if (this.live.has(valid.id)) {
      if (pooled) void this.pool?.discard(pooled);
      return finishedHandle(
        failedResult(valid.id, new InvalidRequestError('id', `run ${valid.id} is already active`)),
      );
    }
    const exec = new Execution(valid.id, this.ctx);
    const run = valid;
    this.track(
      exec,
      this.guard(valid.id, async () => {
        if (pooled && this.pool) {
          // The id was minted by this pool for this run: no record can hold it yet.
          const source = await this.pool.sourceFor(pooled, run.image);
          return launch(this.ctx, exec, run, source);
        }
        if (request.id !== undefined && (await this.idTaken(run.id))) {
          throw new InvalidRequestError('id', `run ${run.id} already exists`);
        }
        return launch(this.ctx, exec, run);
      }),
    );
    return exec.handle(options.onLog);
  }

  /**
   * warm-pool hook: reserves a parked container for `request` and returns the run id to
   * run it under (pass it as `request.id` to {@link run}); undefined when the pool cannot
   * serve the request (off, ineligible, empty), so the caller picks any id and runs cold.
   * The id is the parked container's own: its name, hostname, labels and network alias
   * carry it, so a reserved run is indistinguishable from a cold one with that id. A
   * reservation never run is given back with {@link unreserve} (or expires after the
   * pool's maxIdleMs).
   */
  reserve(request: RunRequest): string | undefined {
    if (!this.pool || request.id !== undefined) return undefined;
    let valid: ReturnType<typeof validateRequest>;
    try {
      valid = validateRequest(request);
    } catch {
      // run() reports the invalid request itself; a reservation has nothing to add.
      return undefined;
    }
    return valid.copyIn ? undefined : this.pool.reserve(valid)?.id;
  }

  /**
   * warm-pool hook: gives back a reservation that will not be run (the container ran
   * nothing). It is parked again unless `discard` says its id is spent: the caller already
   * recorded a run under it (then the container is removed, so no later run gets that id).
   */
  unreserve(id: string, options: { discard?: boolean } = {}): void {
    this.pool?.unreserve(id, options.discard === true);
  }

  /**
   * A handle onto a persisted run: the live one when this process runs it, a watcher of
   * its container for a run started elsewhere, or, for a finished run, a handle whose
   * result resolves at once. RunNotFoundError when no record exists.
   */
  async attach(id: string, options: RunOptions = {}): Promise<RunHandle> {
    const running = this.live.get(id);
    if (running) return running.handle(options.onLog);
    const record = await this.ctx.store.read(id);
    if (!record) throw new RunNotFoundError(id);
    if (isTerminal(record.status)) return finishedHandle(resultOf(record));
    const exec = new Execution(id, this.ctx);
    this.track(
      exec,
      this.guard(id, () => watchAttached(this.ctx, exec, record)),
    );
    return exec.handle(options.onLog);
  }

  /** The persisted record of a run, or undefined. */
  async get(id: string): Promise<RunRecord | undefined> {
    return this.ctx.store.read(id);
  }

  /** Every persisted run, oldest first. */
  async list(): Promise<RunRecord[]> {
    return this.ctx.store.list();
  }

  /** Deletes the record and artifacts of a finished run (RunActiveError while it runs). */
  async remove(id: string): Promise<void> {
    const record = await this.ctx.store.read(id);
    if (!record) throw new RunNotFoundError(id);
    if (this.live.has(id) || !isTerminal(record.status)) throw new RunActiveError(id);
    await rm(join(this.ctx.options.artifactsDir, id), { recursive: true, force: true });
    await this.ctx.store.delete(id);
  }

  /**
   * Which limits around a container are enforced by the kernel on this engine and host
   * (disk quota or watch, host firewall), probed once per runner.
   */
  async enforcement(): Promise<RunnerEnforcement> {
    const [disk, hostFirewall] = await Promise.all([this.ctx.diskQuota.get(), this.ctx.firewall.status()]);
    return { disk: { mode: disk.mode, detail: disk.detail }, hostFirewall };
  }

  /** The caps, runtime and GPUs every container of this runner gets, defaults applied. */
  get settings(): RunnerSettings {
    const o = this.ctx.options;
    return {
      limits: { memoryBytes: o.memoryBytes, cpus: o.cpus, pids: o.pids, diskBytes: o.diskBytes },
      runtime: o.runtime,
      gpus: o.gpus,
      warmPool: this.pool ? { images: [...this.pool.config.images], size: this.pool.config.size } : undefined,
    };
  }

  /** The ID (`sha256:...`) the engine has for an image reference; undefined when it has no such image. */
  async imageId(image: string): Promise<string | undefined> {
    const info = await this.ctx.engine.callOrMissing('inspect image', () =>
      this.ctx.engine.docker.getImage(image).inspect(),
    );
    return info?.Id;
  }

  /** The engine's version; EngineUnreachableError when it does not answer. */
  async ping(): Promise<{ version: string }> {
    return { version: await this.ctx.engine.version() };
  }

  /** Removes orphaned containers and unused networks of this owner; see README. */
  async reapOrphans(): Promise<ReapReport> {
    // warm-pool hook: parked containers are not orphans.
    return reapOrphans(this.ctx, this.networks, (runId) => this.live.has(runId) || !!this.pool?.owns(runId));
  }

  /**
   * Removes the default network when no container uses it. Runs in flight are left
   * alone (cancel them first to stop them).
   */
  async close(): Promise<void> {
    await this.pool?.close(); // warm-pool hook: parked containers go first
    this.ctx.defaultNetwork.forget();
    await this.networks.removeIfUnused(this.ctx.defaultNetwork.name);
  }

  /**
   * warm-pool hook: resolves once the warm pool holds `minimum` parked containers per image
   * (default: full), or a preparation failed; at once without it.
   */
  async warmUp(options: { minimum?: number } = {}): Promise<void> {
    await this.pool?.ready(options.minimum);
  }

  /** Same as {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private track(exec: Execution, result: Promise<RunResult>): void {
    exec.bind(result);
    this.live.set(exec.id, exec);
    void exec.result.then(() => {
      if (this.live.get(exec.id) === exec) this.live.delete(exec.id);
    });
  }

  /** A run's pipeline, turned into a result that never rejects. */
  private async guard(id: string, pipeline: () => Promise<RunResult>): Promise<RunResult> {
    try {
      return await pipeline();
    } catch (err) {
      return failedResult(id, err);
    }
  }

  private async idTaken(id: string): Promise<boolean> {
    return this.ctx.store.read(id).then(
      (record) => record !== undefined,
      // An unreadable record still occupies the id.
      () => true,
    );
  }
}

function failedResult(id: string, err: unknown): RunResult {
  const error = asRunnerError(
    err,
    (detail) => new LightRunnerError('ENGINE_ERROR', detail, { runId: id }, err),
  );
  const now = new Date().toISOString();
  return {
    id,
    status: 'failed',
    exitCode: null,
    startedAt: null,
    finishedAt: now,
    durationMs: 0,
    artifacts: [],
    error: { code: error.code, message: error.message },
  };
}
