import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import Dockerode from 'dockerode';
import type { RunnerEnforcement } from '../enforcement/runner-enforcement.ts';
import { Engine } from '../engine/engine.ts';
import {
  asRunnerError,
  ContainerLostError,
  ImageUnavailableError,
  InvalidRequestError,
  LightRunnerError,
  RunActiveError,
  RunNotActiveError,
  RunNotFoundError,
} from '../errors.ts';
import { packFiles } from '../files/archive-in.ts';
import { extractArchive } from '../files/archive-out.ts';
import { LABELS } from '../labels.ts';
import { pumpLogs } from '../logs/pump-logs.ts';
import { HostFirewall } from '../network/host-firewall.ts';
import { NetworkManager } from '../network/network-manager.ts';
import type { RunnerSettings } from '../run/docker-runner.ts';
import { finishedHandle } from '../run/finished-handle.ts';
import { type DockerRunnerOptions, type ResolvedOptions, resolveOptions } from '../run/options.ts';
import type { ReapReport } from '../run/reaper.ts';
import { type ValidRequest, validateRequest } from '../run/validate-request.ts';
import { isTerminal, type RunRecord } from '../state/run-record.ts';
import { StateStore } from '../state/state-store.ts';
import type { Artifact, LogLine, RunHandle, RunRequest, RunResult, TerminalStatus } from '../types.ts';
import { OutputChannel } from './output-channel.ts';
import { publishImage } from './publish-image.ts';
import { type MountedConfig, NONCE_LABEL, serviceName, serviceSpec } from './service-spec.ts';
import { FILES_CHUNK, imageCommand, SCRIPT_FILE, STDIN_FILE, taskScript } from './task-script.ts';

/** Options of a {@link SwarmRunner}: those of the local runner, plus the registry. */
export interface SwarmRunnerOptions extends DockerRunnerOptions {
  /**
   * `host:port` of a registry every engine of the swarm pulls from. An image that exists on
   * the manager's engine is pushed there as `<registry>/<name>` before its first run (once
   * per image id), so workflows keep naming `localhost/light-sh`. @default none: images are
   * used as named and each node pulls them itself
   */
  registry?: string;
  /** How often the task's state is read, in ms. @default 250 */
  pollMs?: number;
}

/** Options of {@link SwarmRunner.run} and {@link SwarmRunner.attach}. */
export interface SwarmRunOptions {
  onLog?: (line: LogLine) => void;
  /** Called once Swarm has placed the task, with the node's hostname. */
  onNode?: (node: string) => void;
}

/** One node of the swarm, as `light doctor` lists them. */
export interface SwarmNode {
  hostname: string;
  role: 'manager' | 'worker';
  state: string;
  availability: string;
  engine: string;
}

/** A config holds at most 500 KB; files go in chunks a bit under that. */
const CHUNK_BYTES = 400 * 1024;
/** At most this many file chunks (about 25 MB of tar) per run. */
const MAX_CHUNKS = 64;
/** After the task ends, how long the log stream may take to deliver its last line. */
const LOG_DRAIN_MS = 10_000;
const TASK_FAILED = new Set(['failed', 'rejected', 'orphaned', 'shutdown', 'remove']);

interface Control {
  requested?: 'cancelled' | 'timeout';
  wake: () => void;
}

/**
 * Runs each request as a Docker Swarm service in job mode (one task, never restarted),
 * placed by Swarm's scheduler on any node of the cluster. Same request and result shapes
 * as {@link DockerRunner}; how files, stdin and outputs travel, and what differs from the
 * local backend, is in the README ("Swarm backend").
 */
export class SwarmRunner implements AsyncDisposable {
  readonly networks: NetworkManager;
  readonly registry: string | undefined;
  private readonly engine: Engine;
  private readonly docker: Dockerode;
  private readonly options: Readonly<ResolvedOptions>;
  private readonly store: StateStore;
  private readonly pollMs: number;
  private readonly live = new Map<
    string,
    {
      handle: RunHandle;
      control: Control;
      onNode: Set<(n: string) => void>;
      onLog: Set<(l: LogLine) => void>;
      node?: string;
    }
  >();
  private readonly published = new Map<string, Promise<string>>();

  constructor(options: SwarmRunnerOptions) {
    this.options = resolveOptions(options);
    this.docker = options.docker ?? new Dockerode();
    this.engine = new Engine(this.docker);
    this.store = new StateStore(this.options.stateDir);
    this.registry = options.registry;
    this.pollMs = options.pollMs ?? 250;
    // Overlay networks carry no host firewall rules: tasks run on other engines.
    const firewall = new HostFirewall({
      mode: 'off',
      engineEndpoint: this.engine.endpoint,
      engineLocal: this.engine.local,
      log: this.options.log,
    });
    this.networks = new NetworkManager(this.engine, this.options.owner, firewall, 'overlay');
  }

  /** Starts a run; every failure ends in `result`, which never rejects. */
  run(request: RunRequest, options: SwarmRunOptions = {}): RunHandle {
    let valid: ValidRequest;
    try {
      valid = validateRequest(request);
    } catch (err) {
      return finishedHandle(failed(typeof request?.id === 'string' ? request.id : randomUUID(), err));
    }
    if (this.live.has(valid.id))
      return finishedHandle(
        failed(valid.id, new InvalidRequestError('id', `run ${valid.id} is already active`)),
      );
    const nodeLocal = valid.networks.find((n) => n === 'none' || n === 'host');
    if (nodeLocal)
      return finishedHandle(
        failed(
          valid.id,
          new InvalidRequestError(
            'networks',
            `'${nodeLocal}' is not available on the swarm backend (Swarm cannot attach a task to it); name a network made with POST /networks, or none for the node's isolated default bridge`,
          ),
        ),
      );
    const entry = this.track(valid.id, options);
    const result = this.guard(valid.id, async () => {
      if (request.id !== undefined && (await this.store.read(valid.id)))
        throw new InvalidRequestError('id', `run ${valid.id} already exists`);
      return this.execute(valid, entry.control);
    });
    return this.bind(valid.id, entry, result);
  }

  /** A handle onto a persisted run: the live one, a watcher of its service, or a finished one. */
  async attach(id: string, options: SwarmRunOptions = {}): Promise<RunHandle> {
    const running = this.live.get(id);
    if (running) {
      if (options.onLog) running.onLog.add(options.onLog);
      if (options.onNode) {
        running.onNode.add(options.onNode);
        if (running.node) options.onNode(running.node);
      }
      return running.handle;
    }
    const record = await this.store.read(id);
    if (!record) throw new RunNotFoundError(id);
    if (isTerminal(record.status)) return finishedHandle(resultOf(record));
    const entry = this.track(id, options);
    return this.bind(
      id,
      entry,
      this.guard(id, () => this.watchAttached(record, entry.control)),
    );
  }

  async get(id: string): Promise<RunRecord | undefined> {
    return this.store.read(id);
  }

  async list(): Promise<RunRecord[]> {
    return this.store.list();
  }

  async remove(id: string): Promise<void> {
    const record = await this.store.read(id);
    if (!record) throw new RunNotFoundError(id);
    if (this.live.has(id) || !isTerminal(record.status)) throw new RunActiveError(id);
    await rm(join(this.options.artifactsDir, id), { recursive: true, force: true });
    await this.store.delete(id);
  }

  /** The node that runs (or ran) a run, when Swarm has placed it. */
  nodeOf(id: string): string | undefined {
    return this.live.get(id)?.node;
  }

  async enforcement(): Promise<RunnerEnforcement> {
    return {
      disk: {
        mode: 'watch',
        detail:
          'swarm backend: no size quota nor watch of the writable layer on remote nodes; only the per-file size limit (ulimit fsize) holds',
      },
      hostFirewall: {
        enforced: false,
        detail:
          "swarm backend: tasks run on other engines; keeping them from their node is the worker engines' configuration (see light-runner README, Swarm backend)",
      },
    } as RunnerEnforcement;
  }

  get settings(): RunnerSettings {
    const o = this.options;
    return {
      limits: { memoryBytes: o.memoryBytes, cpus: o.cpus, pids: o.pids, diskBytes: o.diskBytes },
      runtime: undefined,
      gpus: undefined,
      warmPool: undefined,
    };
  }

  /**
   * The ID of an image as the manager's engine holds it (what a node cache keys on; the
   * tasks run the same image, pushed to the registry). Undefined when the manager lacks it.
   */
  async imageId(image: string): Promise<string | undefined> {
    const info = await this.engine.callOrMissing('inspect image', () =>
      this.docker.getImage(image).inspect(),
    );
    return info?.Id;
  }

  async ping(): Promise<{ version: string }> {
    return { version: await this.engine.version() };
  }

  /** The nodes of the swarm; throws a clear error when the engine is no swarm manager. */
  async nodes(): Promise<SwarmNode[]> {
    const nodes = (await this.engine.call('list swarm nodes', () => this.docker.listNodes())) as Array<{
      Description?: { Hostname?: string; Engine?: { EngineVersion?: string } };
      Spec?: { Role?: string; Availability?: string };
      Status?: { State?: string };
    }>;
    return nodes
      .map((n) => ({
        hostname: n.Description?.Hostname ?? '?',
        role: n.Spec?.Role === 'manager' ? ('manager' as const) : ('worker' as const),
        state: n.Status?.State ?? 'unknown',
        availability: n.Spec?.Availability ?? 'unknown',
        engine: n.Description?.Engine?.EngineVersion ?? '?',
      }))
      .sort((a, b) => a.hostname.localeCompare(b.hostname));
  }

  /** Removes services and configs of this owner that no live run holds, and unused overlays. */
  async reapOrphans(): Promise<ReapReport> {
    const owner = `${LABELS.owner}=${this.options.owner}`;
    const services = (await this.docker.listServices({ filters: { label: [owner] } })) as Array<{
      ID: string;
      Spec?: { Name?: string; Labels?: Record<string, string> };
    }>;
    const removed: string[] = [];
    for (const s of services) {
      const runId = s.Spec?.Labels?.[LABELS.runId];
      if (runId && this.live.has(runId)) continue;
      await this.docker
        .getService(s.ID)
        .remove()
        .catch(() => undefined);
      removed.push(s.Spec?.Name ?? s.ID);
    }
    const configs = (await this.docker.listConfigs({ filters: { label: [owner] } })) as Array<{
      ID: string;
      Spec?: { Labels?: Record<string, string> };
    }>;
    for (const c of configs) {
      const runId = c.Spec?.Labels?.[LABELS.runId];
      if (runId && this.live.has(runId)) continue;
      await this.docker
        .getConfig(c.ID)
        .remove()
        .catch(() => undefined);
    }
    const networks = await this.networks.cleanup({});
    return { containers: removed, networks };
  }

  async close(): Promise<void> {}

  /** No warm pool on Swarm: resolves at once. */
  async warmUp(_options: { minimum?: number } = {}): Promise<void> {}

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- one run ------------------------------------------------------------------------

  private async execute(request: ValidRequest, control: Control): Promise<RunResult> {
    const createdAt = new Date().toISOString();
    const record: RunRecord = {
      id: request.id,
      status: 'running',
      image: request.image,
      detached: request.detached,
      createdAt,
      startedAt: null,
      finishedAt: null,
      exitCode: null,
      durationMs: null,
      artifacts: [],
      workdir: request.workdir,
      extract: request.extract,
      timeoutMs: request.timeoutMs,
      owner: this.options.owner,
    };
    await this.store.write(record);
    const nonce = randomBytes(12).toString('hex');
    const service = serviceName(request.id);
    let created = false;
    try {
      const image = await this.imageFor(request.image);
      const command = await this.commandFor(request, image);
      const configs = await this.createConfigs(request, command, nonce);
      if (control.requested) return await this.finish(record, { status: control.requested });
      await this.engine.call('create service', () =>
        this.docker.createService(serviceSpec(request, this.options, image, configs, nonce) as never),
      );
      created = true;
      return await this.follow(record, control, nonce);
    } finally {
      if (created) await this.removeService(service);
      await this.removeConfigs(request.id);
    }
  }

  private async watchAttached(record: RunRecord, control: Control): Promise<RunResult> {
    // The output channel's nonce is a label of the service (see service-spec.ts).
    const service = (await this.engine
      .callOrMissing('inspect service', () => this.docker.getService(serviceName(record.id)).inspect())
      .catch(() => undefined)) as { Spec?: { Labels?: Record<string, string> } } | undefined;
    try {
      return await this.follow(record, control, service?.Spec?.Labels?.[NONCE_LABEL]);
    } finally {
      await this.removeService(serviceName(record.id));
      await this.removeConfigs(record.id);
    }
  }

  /** Follows the service's task to its end: node, logs, exit, outputs. */
  private async follow(record: RunRecord, control: Control, nonce: string | undefined): Promise<RunResult> {
    const id = record.id;
    const service = serviceName(id);
    const entry = this.live.get(id);
    const channel = nonce
      ? new OutputChannel(nonce, record.extract ?? [], this.options.maxExtractBytes)
      : undefined;
    let channelError: unknown;
    let closed = false;
    let logsStarted = false;
    let logsDone: Promise<void> | undefined;
    let logStream: NodeJS.ReadableStream | undefined;
    const emit = (line: LogLine) => {
      // The stream is cut on purpose once the run ended; what it says then is not output.
      if (closed) return;
      if (channel && line.stream === 'stdout' && !channelError) {
        try {
          if (channel.take(line.line)) return;
        } catch (err) {
          channelError = err;
          return;
        }
      }
      for (const fn of entry?.onLog ?? []) fn(line);
    };
    const startLogs = async () => {
      logsStarted = true;
      logStream = (await this.docker
        .getService(service)
        .logs({ follow: true, stdout: true, stderr: true } as never)) as unknown as NodeJS.ReadableStream;
      logsDone = pumpLogs(logStream, emit);
    };
    const timeout =
      record.timeoutMs && record.timeoutMs > 0
        ? setTimeout(
            () => {
              control.requested ??= 'timeout';
              control.wake();
            },
            Math.max(0, record.timeoutMs - (Date.now() - Date.parse(record.createdAt))),
          )
        : undefined;
    try {
      let nodeId: string | undefined;
      for (;;) {
        if (control.requested) {
          await this.removeService(service);
          return await this.finish(record, {
            status: control.requested,
            ...(control.requested === 'timeout'
              ? {
                  error: new LightRunnerError(
                    'TIMEOUT',
                    `run exceeded its timeout of ${record.timeoutMs ?? 0} ms and its service was removed`,
                    { runId: id },
                  ),
                }
              : {}),
          });
        }
        const task = await this.taskOf(service);
        if (task === 'gone')
          throw new ContainerLostError(id, `service ${service} was removed from outside the runner`);
        if (task) {
          if (task.NodeID && task.NodeID !== nodeId) {
            nodeId = task.NodeID;
            const hostname = await this.hostnameOf(nodeId);
            if (entry) {
              entry.node = hostname;
              for (const fn of entry.onNode) fn(hostname);
            }
            await this.store.update(id, (r) => ({ ...r, node: hostname }));
          }
          const state = task.Status?.State ?? 'new';
          if ((state === 'running' || state === 'complete' || state === 'failed') && !logsStarted) {
            record.startedAt ??= new Date(task.Status?.Timestamp ?? Date.now()).toISOString();
            await startLogs();
          }
          if (state === 'running' && nodeId && (await this.nodeDown(nodeId))) {
            const node = entry?.node ?? nodeId;
            await this.removeService(service);
            return await this.finish(record, {
              status: 'failed',
              error: new ContainerLostError(
                id,
                `swarm node ${node} went down while the task ran on it; the run is lost (not rescheduled: it may have had effects)`,
              ),
            });
          }
          if (state === 'complete' || state === 'failed') {
            await this.drainLogs(channel, logsDone);
            const exitCode =
              task.Status?.ContainerStatus?.ExitCode ?? channel?.exitCode ?? (state === 'complete' ? 0 : 1);
            if (channelError)
              return await this.finish(record, { status: 'failed', exitCode, error: channelError });
            if (exitCode !== 0) {
              const killed = exitCode === 137;
              const detail = killed
                ? `the task was killed by SIGKILL (exit 137): its memory limit of ${this.options.memoryBytes} bytes, or a kill from outside (a task's status does not say which)`
                : task.Status?.Err;
              return await this.finish(record, {
                status: 'failed',
                exitCode,
                ...(detail
                  ? { error: new LightRunnerError('KILLED', `run ${id}: ${detail}`, { runId: id }) }
                  : {}),
              });
            }
            const artifacts = channel ? await this.saveArtifacts(record, channel.result().archives) : [];
            return await this.finish(record, { status: 'succeeded', exitCode, artifacts });
          }
          if (TASK_FAILED.has(state)) {
            const message = task.Status?.Err ?? task.Status?.Message ?? state;
            const code = /No such image|pull access denied|manifest unknown|not found/i.test(message)
              ? new ImageUnavailableError(record.image, message)
              : new LightRunnerError('START_FAILED', `run ${id}: the task ${state}: ${message}`, {
                  runId: id,
                });
            return await this.finish(record, { status: 'failed', error: code });
          }
        }
        await this.sleep(control);
      }
    } finally {
      if (timeout) clearTimeout(timeout);
      closed = true;
      (logStream as unknown as Readable | undefined)?.destroy?.();
    }
  }

  /** Waits until the wrapper's exit line has been read (or the drain time passed). */
  private async drainLogs(channel: OutputChannel | undefined, logsDone: Promise<void> | undefined) {
    const deadline = Date.now() + LOG_DRAIN_MS;
    while (channel && !channel.done && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!channel && logsDone) await Promise.race([logsDone, new Promise((r) => setTimeout(r, 1000))]);
  }

  private async saveArtifacts(record: RunRecord, archives: Map<number, Buffer>): Promise<Artifact[]> {
    const destDir = join(this.options.artifactsDir, record.id);
    const budget = { leftBytes: this.options.maxExtractBytes };
    const artifacts: Artifact[] = [];
    try {
      for (const [index, tar] of [...archives.entries()].sort((a, b) => a[0] - b[0])) {
        const containerPath = record.extract?.[index];
        if (!containerPath) continue;
        artifacts.push(
          ...(await extractArchive(Readable.from([tar]), {
            containerPath,
            workdir: record.workdir ?? '/app',
            destDir,
            maxBytes: this.options.maxExtractBytes,
            budget,
          })),
        );
      }
    } catch (err) {
      await rm(destDir, { recursive: true, force: true });
      throw err;
    }
    return artifacts;
  }

  private async finish(
    record: RunRecord,
    end: { status: TerminalStatus; exitCode?: number; error?: unknown; artifacts?: Artifact[] },
  ): Promise<RunResult> {
    const finishedAt = new Date().toISOString();
    const error =
      end.error === undefined
        ? undefined
        : asRunnerError(
            end.error,
            (d) => new LightRunnerError('ENGINE_ERROR', d, { runId: record.id }, end.error),
          );
    const final = await this.store.update(record.id, (r) => ({
      ...r,
      status: end.status,
      startedAt: record.startedAt ?? r.startedAt,
      finishedAt,
      exitCode: end.exitCode ?? null,
      durationMs: Date.now() - Date.parse(record.startedAt ?? record.createdAt),
      artifacts: end.artifacts ?? [],
      ...(error ? { error: { code: error.code, message: error.message } } : {}),
    }));
    return resultOf(final ?? { ...record, status: end.status, finishedAt });
  }

  // ---- engine helpers -----------------------------------------------------------------

  private async imageFor(image: string): Promise<string> {
    if (!this.registry || image.startsWith(`${this.registry}/`)) return image;
    let pending = this.published.get(image);
    if (!pending) {
      pending = publishImage(this.docker, image, this.registry);
      this.published.set(image, pending);
      pending.catch(() => this.published.delete(image));
    }
    return pending;
  }

  /** The task's command: the request's, or the image's own as the manager's engine knows it. */
  private async commandFor(request: ValidRequest, image: string): Promise<string> {
    const parts = [...request.setup, ...(request.entrypoint === undefined ? [] : [request.entrypoint])];
    if (request.entrypoint !== undefined) return parts.join(' && ');
    const info = (await this.engine.callOrMissing('inspect image', () =>
      this.docker.getImage(image).inspect(),
    )) as { Config?: { Entrypoint?: string[] | null; Cmd?: string[] | null } } | undefined;
    if (!info)
      throw new ImageUnavailableError(
        image,
        'the swarm backend needs the image on the manager to run its own command (give an entrypoint, or pull it there)',
      );
    return [...request.setup, imageCommand(info.Config?.Entrypoint, info.Config?.Cmd)].join(' && ');
  }

  private async createConfigs(
    request: ValidRequest,
    command: string,
    nonce: string,
  ): Promise<MountedConfig[]> {
    const chunks: Buffer[] = [];
    if (Object.keys(request.files).length > 0) {
      const tar = await buffer(packFiles(request.files));
      for (let at = 0; at < tar.length; at += CHUNK_BYTES) chunks.push(tar.subarray(at, at + CHUNK_BYTES));
      if (chunks.length > MAX_CHUNKS)
        throw new InvalidRequestError(
          'files',
          `take ${tar.length} bytes as an archive; the swarm backend sends at most ${MAX_CHUNKS * CHUNK_BYTES} bytes of files per run`,
        );
    }
    const script = taskScript({
      workdir: request.workdir,
      command,
      filesChunks: chunks.length,
      hasStdin: request.stdin !== undefined,
      extract: request.extract,
      nonce,
    });
    const items: Array<{ target: string; data: Buffer; mode: number }> = [
      { target: SCRIPT_FILE, data: Buffer.from(script), mode: 0o444 },
      ...chunks.map((data, i) => ({ target: `${FILES_CHUNK}.${i}`, data, mode: 0o444 })),
      ...(request.stdin ? [{ target: STDIN_FILE, data: request.stdin, mode: 0o444 }] : []),
    ];
    const labels = {
      [LABELS.managed]: 'true',
      [LABELS.runId]: request.id,
      [LABELS.owner]: this.options.owner,
    };
    const out: MountedConfig[] = [];
    for (const [i, item] of items.entries()) {
      const name = `light-${request.id}-${i}`;
      const created = (await this.engine.call('create config', () =>
        this.docker.createConfig({ Name: name, Labels: labels, Data: item.data.toString('base64') } as never),
      )) as { id?: string; ID?: string };
      out.push({ id: created.id ?? created.ID ?? '', name, target: item.target, mode: item.mode });
    }
    return out;
  }

  private async removeConfigs(runId: string): Promise<void> {
    const filters = { label: [`${LABELS.runId}=${runId}`, `${LABELS.owner}=${this.options.owner}`] };
    const configs = (await this.docker.listConfigs({ filters }).catch(() => [])) as Array<{ ID: string }>;
    // A config stays in use until the manager has dropped the service's tasks.
    for (const c of configs) {
      for (let attempt = 0; attempt < 40; attempt++) {
        const ok = await this.docker
          .getConfig(c.ID)
          .remove()
          .then(() => true)
          .catch((err: { statusCode?: number }) => err.statusCode === 404);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  private async removeService(name: string): Promise<void> {
    await this.docker
      .getService(name)
      .remove()
      .catch(() => undefined);
  }

  private async taskOf(service: string): Promise<TaskInfo | undefined | 'gone'> {
    const tasks = (await this.engine.call(
      'list tasks',
      () => this.docker.listTasks({ filters: { service: [service] } }) as Promise<unknown>,
    )) as TaskInfo[];
    if (tasks.length === 0) {
      const exists = await this.engine.callOrMissing('inspect service', () =>
        this.docker.getService(service).inspect(),
      );
      return exists ? undefined : 'gone';
    }
    return tasks.sort((a, b) => Date.parse(b.CreatedAt ?? '') - Date.parse(a.CreatedAt ?? ''))[0];
  }

  private async hostnameOf(nodeId: string): Promise<string> {
    const node = (await this.engine
      .callOrMissing('inspect node', () => this.docker.getNode(nodeId).inspect())
      .catch(() => undefined)) as { Description?: { Hostname?: string } } | undefined;
    return node?.Description?.Hostname ?? nodeId;
  }

  private async nodeDown(nodeId: string): Promise<boolean> {
    const node = (await this.engine
      .callOrMissing('inspect node', () => this.docker.getNode(nodeId).inspect())
      .catch(() => undefined)) as { Status?: { State?: string } } | undefined;
    return node === undefined || node.Status?.State === 'down';
  }

  private sleep(control: Control): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.pollMs);
      control.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  // ---- bookkeeping ---------------------------------------------------------------------

  private track(id: string, options: SwarmRunOptions) {
    const control: Control = { wake: () => undefined };
    const entry = {
      control,
      onLog: new Set(options.onLog ? [options.onLog] : []),
      onNode: new Set(options.onNode ? [options.onNode] : []),
      handle: undefined as unknown as RunHandle,
      node: undefined as string | undefined,
    };
    this.live.set(id, entry);
    return entry;
  }

  private bind(id: string, entry: ReturnType<SwarmRunner['track']>, result: Promise<RunResult>): RunHandle {
    const stop = async (status: 'cancelled') => {
      if (this.live.get(id) !== entry)
        throw new RunNotActiveError(
          id,
          `cannot ${status === 'cancelled' ? 'cancel' : status}: the run has ended`,
        );
      entry.control.requested ??= status;
      entry.control.wake();
      await result;
    };
    const unsupported = async (action: string) => {
      throw new RunNotActiveError(
        id,
        `cannot ${action}: the swarm backend has no pause or resume (Swarm cannot pause a task)`,
      );
    };
    entry.handle = {
      id,
      result,
      cancel: () => stop('cancelled'),
      stop: () => stop('cancelled'),
      pause: () => unsupported('pause'),
      resume: () => unsupported('resume'),
    };
    void result.then(() => {
      if (this.live.get(id) === entry) this.live.delete(id);
    });
    return entry.handle;
  }

  private async guard(id: string, pipeline: () => Promise<RunResult>): Promise<RunResult> {
    try {
      return await pipeline();
    } catch (err) {
      const result = failed(id, err);
      await this.store
        .update(id, (r) => ({ ...r, status: 'failed', finishedAt: result.finishedAt, error: result.error }))
        .catch(() => undefined);
      return result;
    }
  }
}

interface TaskInfo {
  NodeID?: string;
  CreatedAt?: string;
  Status?: {
    State?: string;
    Timestamp?: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ExitCode?: number };
  };
}

function resultOf(record: RunRecord): RunResult {
  return {
    id: record.id,
    status: isTerminal(record.status) ? (record.status as TerminalStatus) : 'failed',
    exitCode: record.exitCode,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt ?? new Date().toISOString(),
    durationMs: record.durationMs ?? 0,
    artifacts: record.artifacts,
    ...(record.error ? { error: record.error } : {}),
  };
}

function failed(id: string, err: unknown): RunResult {
  const error = asRunnerError(err, (d) => new LightRunnerError('ENGINE_ERROR', d, { runId: id }, err));
  return {
    id,
    status: 'failed',
    exitCode: null,
    startedAt: null,
    finishedAt: new Date().toISOString(),
    durationMs: 0,
    artifacts: [],
    error: { code: error.code, message: error.message },
  };
}
