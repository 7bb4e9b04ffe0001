import type { NodeFile } from '../../definition/definitions.ts';
import type { RunBody, StopBody } from '../../definition/wire-types.ts';
import type {
  RunLease,
  RunStepOptions,
  ServiceOptions,
  StepOutcome,
  StepRunner,
} from '../../engine/step-runner.ts';
import { LightRunHttpError, LightRunProtocolError, RequestTooLargeError } from './errors.ts';
import { type FetchLike, LightRunHttp, withTimeout } from './http.ts';
import { HeldLease } from './lease.ts';
import { readNdjson } from './ndjson.ts';
import { DEFAULT_RETRY, NO_RETRY, type RetryPolicy, retryIdempotent } from './retry.ts';
import { runStepOverHttp, startServiceOverHttp, stopServiceOverHttp } from './run-step.ts';
import { nodeFilesTar } from './upload-tar.ts';
import {
  artifactListResponse,
  type HealthResponse,
  healthResponse,
  type InfoResponse,
  imageIdResponse,
  infoResponse,
  type LeaseResponse,
  type LogLineResponse,
  leaseResponse,
  logLineResponse,
  networkCleanupResponse,
  networkCreatedResponse,
  networkStateResponse,
  type RunStateResponse,
  runStateResponse,
  type StreamLineResponse,
  streamLineResponse,
  TERMINAL_STATUSES,
  uploadResponse,
} from './wire.ts';

/** Options of `LightRunClient`. */
export interface LightRunClientOptions {
  /** Base URL of light-run, e.g. `http://127.0.0.1:3001`. */
  url: string;
  /** Bearer token, when that light-run needs one. */
  token?: string;
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: FetchLike;
  /** Bound of every ordinary request, in milliseconds. @default 30000 */
  requestTimeoutMs?: number;
  /** How long one long-poll `GET /runs/:id?wait=` may wait on the server, in milliseconds. @default 30000 */
  waitSliceMs?: number;
  /**
   * Time to live of the lease a workflow execution holds, in milliseconds: a process that
   * stops renewing (killed) loses its runs and networks that long after. @default 30000
   */
  leaseTtlMs?: number;
  /**
   * light-run's body limit, in bytes: a `POST /run` body over it is refused before sending.
   * @default 10485760 (10 MiB, light-run's default `--body-limit`)
   */
  maxRequestBytes?: number;
  /** How idempotent GETs are retried on transient failures. @default 4 retries, 200 ms doubling to 1.5 s, with jitter */
  retry?: Partial<RetryPolicy>;
  /** Where warnings go (no lease support, a lease that expired). @default process.emitWarning */
  onWarning?: (message: string) => void;
}

/** light-run's default body limit, in bytes. */
const DEFAULT_MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/**
 * HTTP client of light-run, and the `StepRunner` the executor uses by default.
 * Every call is bounded in time; failures name the URL.
 * @example
 * const runner = new LightRunClient({ url: 'http://localhost:3001', token: process.env.LIGHT_RUN_TOKEN });
 * const health = await runner.health();
 */
export class LightRunClient implements StepRunner {
  /** Base URL, without a trailing slash. */
  readonly url: string;
  private readonly http: LightRunHttp;
  private readonly timeoutMs: number;
  private readonly waitSliceMs: number;
  private readonly leaseTtlMs: number;
  private readonly retry: Readonly<RetryPolicy>;
  private readonly warn: (message: string) => void;
  /** Set once `POST /leases` answered 404: an older light-run, without leases nor `service`. */
  private legacy = false;
  /** Largest `POST /run` body sent, in bytes. */
  readonly maxRequestBytes: number;

  constructor(options: LightRunClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.http = new LightRunHttp(this.url, options.token, options.fetch ?? ((u, i) => fetch(u, i)));
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.waitSliceMs = options.waitSliceMs ?? 30_000;
    this.leaseTtlMs = options.leaseTtlMs ?? 30_000;
    this.maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.warn = options.onWarning ?? ((message) => process.emitWarning(message, 'LightRunWarning'));
  }

  /**
   * `GET /health`: resolves for 200 and 503 alike (read `status`); throws when light-run is
   * unreachable. `retry: false` answers after one attempt (for callers that poll themselves).
   */
  async health(
    options: { timeoutMs?: number; signal?: AbortSignal; retry?: boolean } = {},
  ): Promise<HealthResponse> {
    const call = {
      method: 'GET',
      path: '/health',
      timeoutMs: options.timeoutMs ?? 5_000,
      accept: [503],
      signal: options.signal,
    } as const;
    const policy = options.retry === false ? NO_RETRY : this.retry;
    return retryIdempotent(
      async () => (await this.http.json(call, healthResponse)).body,
      policy,
      options.signal,
    );
  }

  /** `GET /info`: the limits, runtime, GPUs and queue size light-run applies to every run. */
  async info(options: { signal?: AbortSignal } = {}): Promise<InfoResponse> {
    const call = { method: 'GET', path: '/info', timeoutMs: this.timeoutMs, signal: options.signal } as const;
    return retryIdempotent(
      async () => (await this.http.json(call, infoResponse)).body,
      this.retry,
      options.signal,
    );
  }

  /**
   * `GET /images/id?ref=`: the image ID light-run's engine has for `image` (no pull), undefined
   * when it has none. The node cache keys on it, so a tag that moved is a miss.
   */
  async imageId(image: string, options: { signal?: AbortSignal } = {}): Promise<string | undefined> {
    const path = `/images/id?ref=${encodeURIComponent(image)}`;
    const call = { method: 'GET', path, timeoutMs: this.timeoutMs, signal: options.signal } as const;
    const body = await retryIdempotent(
      async () => (await this.http.json(call, imageIdResponse)).body,
      this.retry,
      options.signal,
    );
    return body.id ?? undefined;
  }

  /**
   * `POST /run` with `detached: true`: resolves at once with the queued or running state.
   * Never retried (a second POST would start a second run). A body over `maxRequestBytes`
   * is refused before sending, and a 413 answer becomes the same `RequestTooLargeError`.
   * Aborting `signal` mid-request may leave a run whose id is never known: the step
   * functions let the submit finish and cancel the run instead.
   */
  async submit(body: RunBody, options: { signal?: AbortSignal } = {}): Promise<RunStateResponse> {
    const wire: RunBody = { ...body, detached: true };
    if (this.legacy) delete wire.service;
    const bytes = Buffer.byteLength(JSON.stringify(wire));
    if (bytes > this.maxRequestBytes) throw new RequestTooLargeError(this.url, bytes, this.maxRequestBytes);
    const call = { method: 'POST', path: '/run', body: wire, timeoutMs: this.timeoutMs } as const;
    try {
      return (await this.http.json({ ...call, signal: options.signal }, runStateResponse)).body;
    } catch (error) {
      if (error instanceof LightRunHttpError && error.status === 413)
        throw new RequestTooLargeError(this.url, bytes, null, { cause: error });
      throw error;
    }
  }

  /**
   * `POST /run?stream=ndjson` with `detached: true`: one exchange for a whole run. Calls
   * `onLine` with every line (`run` first, with the id; `log`s; `end` with the final state
   * and the small artifacts inlined) and resolves when the answer ends. Never retried, and
   * refused before sending over `maxRequestBytes`, like {@link submit}. Only the headers
   * are bounded by the request timeout: the run bounds the rest. A light-run without
   * streams answers its plain state: that is passed on as the `run` line, and no `end`
   * follows (the caller waits with {@link waitForEnd}). Aborting `signal` cuts the answer;
   * a line that is not the wire shape is a protocol error.
   */
  async runStream(
    body: RunBody,
    options: { signal?: AbortSignal; onLine: (line: StreamLineResponse) => void },
  ): Promise<void> {
    const wire: RunBody = { ...body, detached: true };
    if (this.legacy) delete wire.service;
    const bytes = Buffer.byteLength(JSON.stringify(wire));
    if (bytes > this.maxRequestBytes) throw new RequestTooLargeError(this.url, bytes, this.maxRequestBytes);
    const call = {
      method: 'POST',
      path: '/run?stream=ndjson',
      body: wire,
      timeoutMs: this.timeoutMs,
    } as const;
    const headers = new AbortController();
    const timer = setTimeout(
      () => headers.abort(new DOMException('headers timeout', 'TimeoutError')),
      this.timeoutMs,
    );
    const signal = options.signal ? AbortSignal.any([options.signal, headers.signal]) : headers.signal;
    let response: Response;
    try {
      response = await this.http.send(
        { ...call, ...(options.signal ? { signal: options.signal } : {}) },
        signal,
      );
    } catch (error) {
      if (error instanceof LightRunHttpError && error.status === 413)
        throw new RequestTooLargeError(this.url, bytes, null, { cause: error });
      throw error;
    } finally {
      clearTimeout(timer);
    }
    if (!(response.headers.get('content-type') ?? '').includes('ndjson')) {
      const text = await this.http.readText(response, call);
      let state: ReturnType<typeof runStateResponse.safeParse>;
      try {
        state = runStateResponse.safeParse(JSON.parse(text));
      } catch (cause) {
        throw new LightRunProtocolError(`${this.url}/run`, 'not JSON', { cause });
      }
      if (!state.success) throw new LightRunProtocolError(`${this.url}/run`, state.error.message);
      options.onLine({ type: 'run', state: state.data });
      return;
    }
    if (!response.body) throw new LightRunProtocolError(`${this.url}/run?stream=ndjson`, 'an empty answer');
    let bad: unknown;
    await readNdjson(
      response.body,
      (value) => {
        const line = streamLineResponse.safeParse(value);
        if (line.success) options.onLine(line.data);
        else bad ??= line.error;
      },
      (raw) => {
        bad ??= new Error(`not JSON: ${raw.slice(0, 100)}`);
      },
    );
    if (bad) throw new LightRunProtocolError(`${this.url}/run?stream=ndjson`, String(bad), { cause: bad });
  }

  /** `GET /runs/:id`, optionally long-polling up to `waitMs` for the run to end. */
  async getRun(
    id: string,
    options: { waitMs?: number; signal?: AbortSignal } = {},
  ): Promise<RunStateResponse> {
    const wait = options.waitMs ? `?wait=${Math.max(1, Math.ceil(options.waitMs / 1000))}s` : '';
    const timeoutMs = (options.waitMs ?? 0) + this.timeoutMs;
    const call = {
      method: 'GET',
      path: `/runs/${enc(id)}${wait}`,
      timeoutMs,
      signal: options.signal,
    } as const;
    return retryIdempotent(
      async () => (await this.http.json(call, runStateResponse)).body,
      this.retry,
      options.signal,
    );
  }

  /**
   * Long-polls until the run is terminal. `timeoutMs` bounds the whole wait (default: none,
   * a run ends by its own timeout or by cancel); each poll is bounded by `waitSliceMs`.
   */
  async waitForEnd(
    id: string,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<RunStateResponse> {
    const deadline =
      options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      const waitMs = Math.max(1000, Math.min(this.waitSliceMs, left));
      const state = await this.getRun(id, { waitMs, signal: options.signal });
      if (TERMINAL_STATUSES.has(state.status)) return state;
      if (Date.now() >= deadline) return state;
    }
  }

  /**
   * Streams the run's log lines (`GET /runs/:id/logs?follow=1&format=ndjson`) until the run
   * ends or `signal` aborts (then it resolves quietly). `connectTimeoutMs` bounds the wait
   * for the response headers.
   */
  async followLogs(
    id: string,
    options: { signal?: AbortSignal; onLine: (line: LogLineResponse) => void; connectTimeoutMs?: number },
  ): Promise<void> {
    const connectMs = options.connectTimeoutMs ?? this.timeoutMs;
    const connect = new AbortController();
    const timer = setTimeout(
      () => connect.abort(new DOMException('connect timeout', 'TimeoutError')),
      connectMs,
    );
    const signal = options.signal ? AbortSignal.any([options.signal, connect.signal]) : connect.signal;
    const path = `/runs/${enc(id)}/logs?follow=1&format=ndjson`;
    try {
      const response = await this.http.send({ method: 'GET', path, timeoutMs: connectMs }, signal);
      clearTimeout(timer);
      if (!response.body) return;
      await readNdjson(
        response.body,
        (value) => {
          const line = logLineResponse.safeParse(value);
          if (line.success) options.onLine(line.data);
        },
        (raw) => options.onLine({ stream: 'stdout', line: raw, time: new Date().toISOString() }),
      );
    } catch (error) {
      if (options.signal?.aborted) return; // the caller stopped following: not a failure
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * `POST /runs/:id/cancel`: kills the run and removes its container. Retried on transient
   * failures unless `retry: false`: cancelling twice has the effect of cancelling once (a run
   * already ended answers 409, which is not retried).
   */
  async cancel(id: string, options: { retry?: boolean } = {}): Promise<RunStateResponse> {
    const call = { method: 'POST', path: `/runs/${enc(id)}/cancel`, timeoutMs: this.timeoutMs } as const;
    const policy = options.retry === false ? NO_RETRY : this.retry;
    return retryIdempotent(async () => (await this.http.json(call, runStateResponse)).body, policy);
  }

  /** `POST /runs/:id/stop`: sends `signal` (default SIGTERM), then kills after `grace` ms. */
  async stop(id: string, body: StopBody = {}): Promise<RunStateResponse> {
    const call = { method: 'POST', path: `/runs/${enc(id)}/stop`, body, timeoutMs: this.timeoutMs } as const;
    return (await this.http.json(call, runStateResponse)).body;
  }

  /**
   * `GET /runs/:id/artifacts/<path>`: the file's bytes, or `null` when the run has no such
   * artifact. Aborting `signal` stops the download.
   */
  async artifact(id: string, path: string, options: { signal?: AbortSignal } = {}): Promise<Buffer | null> {
    const encoded = path.split('/').map(enc).join('/');
    const call = {
      method: 'GET',
      path: `/runs/${enc(id)}/artifacts/${encoded}`,
      timeoutMs: this.timeoutMs,
      accept: [404],
      signal: options.signal,
    } as const;
    return retryIdempotent(
      async () => {
        const signal = withTimeout(options.signal, this.timeoutMs);
        const response = await this.http.send(call, signal);
        if (response.status === 404) {
          await this.http.readText(response, call);
          return null;
        }
        return Buffer.from(await this.http.readBytes(response, call));
      },
      this.retry,
      options.signal,
    );
  }

  /**
   * `POST /uploads`: streams a node's files as a tar archive to light-run (past its body
   * limit) and resolves with the upload's id, which a `POST /run` body names as `upload`.
   * Not retried: the stream is read once.
   */
  async uploadFiles(
    files: Record<string, NodeFile>,
    options: { signal?: AbortSignal } = {},
  ): Promise<string> {
    const call = {
      method: 'POST',
      path: '/uploads',
      raw: { stream: nodeFilesTar(files), contentType: 'application/x-tar' },
      // Bounded by the caller's signal, not the ordinary request bound: a large upload takes its time.
      timeoutMs: 24 * 3600 * 1000,
      signal: options.signal,
    } as const;
    return (await this.http.json(call, uploadResponse)).body.id;
  }

  /** `DELETE /uploads/:id`; an unknown upload is not an error. */
  async deleteUpload(id: string): Promise<void> {
    await this.http.empty({
      method: 'DELETE',
      path: `/uploads/${enc(id)}`,
      timeoutMs: this.timeoutMs,
      accept: [404],
    });
  }

  /** `DELETE /runs/:id`: forgets a finished run, its log and its artifacts; an unknown run is not an error. */
  async deleteRun(id: string): Promise<void> {
    await this.http.empty({
      method: 'DELETE',
      path: `/runs/${enc(id)}`,
      timeoutMs: this.timeoutMs,
      accept: [404],
    });
  }

  /** `GET /runs/:id/artifacts`: the artifacts a run kept (path, size in bytes, media type). */
  async listArtifacts(id: string): Promise<{ path: string; bytes: number; type: string }[]> {
    const call = { method: 'GET', path: `/runs/${enc(id)}/artifacts`, timeoutMs: this.timeoutMs } as const;
    return retryIdempotent(
      async () => (await this.http.json(call, artifactListResponse)).body.artifacts,
      this.retry,
    );
  }

  /**
   * `GET /runs/:id/artifacts/<path>` as a stream (never buffered here): the response, or
   * `null` when the run has no such artifact.
   */
  async artifactStream(
    id: string,
    path: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<Response | null> {
    const encoded = path.split('/').map(enc).join('/');
    const call = {
      method: 'GET',
      path: `/runs/${enc(id)}/artifacts/${encoded}`,
      timeoutMs: this.timeoutMs,
      accept: [404],
      signal: options.signal,
    } as const;
    const response = await this.http.send(call, options.signal ?? new AbortController().signal);
    if (response.status === 404) {
      await this.http.readText(response, call);
      return null;
    }
    return response;
  }

  /** `POST /networks`: creates a network (tied to `lease` when given); `false` when it already existed. */
  async createNetwork(
    name: string,
    options: { internal?: boolean; icc?: boolean; lease?: string } = {},
  ): Promise<boolean> {
    const { lease, ...rest } = options;
    const body = { name, ...rest, ...(lease && !this.legacy ? { lease } : {}) };
    const call = { method: 'POST', path: '/networks', body, timeoutMs: this.timeoutMs } as const;
    return (await this.http.json(call, networkCreatedResponse)).body.created;
  }

  /** `GET /networks/:name`: whether the network exists. */
  async networkExists(name: string): Promise<boolean> {
    const call = { method: 'GET', path: `/networks/${enc(name)}`, timeoutMs: this.timeoutMs } as const;
    return retryIdempotent(
      async () => (await this.http.json(call, networkStateResponse)).body.exists,
      this.retry,
    );
  }

  /**
   * `DELETE /networks/:name`. An unknown network is not an error. A network still in use
   * (409, e.g. a container still being removed) is retried for up to `inUseRetryMs`.
   */
  async deleteNetwork(name: string, options: { inUseRetryMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.inUseRetryMs ?? 10_000);
    const call = {
      method: 'DELETE',
      path: `/networks/${enc(name)}`,
      timeoutMs: this.timeoutMs,
      accept: [404],
    } as const;
    for (;;) {
      try {
        await this.http.empty(call);
        return;
      } catch (error) {
        const inUse = error instanceof LightRunHttpError && error.status === 409;
        if (!inUse || Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /** `POST /networks/cleanup`: removes unused networks by name prefix and age; returns their names. */
  async cleanupNetworks(body: { prefix?: string; maxAgeMs?: number } = {}): Promise<string[]> {
    const call = { method: 'POST', path: '/networks/cleanup', body, timeoutMs: this.timeoutMs } as const;
    return (await this.http.json(call, networkCleanupResponse)).body.removed;
  }

  /** `POST /leases`: opens a lease of `ttlMs` (default: the client's `leaseTtlMs`). */
  async createLease(options: { ttlMs?: number } = {}): Promise<LeaseResponse> {
    const body = { ttlMs: options.ttlMs ?? this.leaseTtlMs };
    const call = { method: 'POST', path: '/leases', body, timeoutMs: this.timeoutMs } as const;
    return (await this.http.json(call, leaseResponse)).body;
  }

  /**
   * `POST /leases/:id/renew`: pushes the expiry one ttl ahead; 404 `LEASE_NOT_FOUND` once expired.
   * @param options.timeoutMs bound of this call, in ms. @default the client's `timeoutMs`
   */
  async renewLease(id: string, options: { timeoutMs?: number } = {}): Promise<LeaseResponse> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const call = { method: 'POST', path: `/leases/${enc(id)}/renew`, timeoutMs } as const;
    return (await this.http.json(call, leaseResponse)).body;
  }

  /**
   * `DELETE /leases/:id`: cancels the lease's runs and removes its networks; a lease already
   * gone is fine. One attempt: a lease that cannot be released expires by itself.
   */
  async releaseLease(id: string): Promise<void> {
    const path = `/leases/${enc(id)}`;
    await this.http.empty({ method: 'DELETE', path, timeoutMs: this.timeoutMs, accept: [404] });
  }

  /**
   * Opens a lease and keeps it renewed (every ttl/3, unref'd timer) until `release()`.
   * Resolves `undefined`, with one warning, when light-run has no `POST /leases` (older).
   */
  async openLease(): Promise<RunLease | undefined> {
    if (this.legacy) return undefined;
    try {
      return new HeldLease(this, await this.createLease(), this.warn);
    } catch (error) {
      if (!(error instanceof LightRunHttpError && error.status === 404)) throw error;
      this.legacy = true;
      this.warn(
        `light-run at ${this.url} has no leases (POST /leases answered 404): runs of a killed process live on until their timeout`,
      );
      return undefined;
    }
  }

  /** Runs one step: submit detached, stream logs, wait for the end, fetch `options.outputArtifact`. */
  runStep(body: RunBody, options: RunStepOptions = {}): Promise<StepOutcome> {
    return runStepOverHttp(this, body, options);
  }

  /** Starts a service detached (bypassing light-run's queue) and resolves once it is running. */
  startService(body: RunBody, options: ServiceOptions = {}): Promise<{ id: string }> {
    return startServiceOverHttp(this, body, options);
  }

  /** Stops a service (`POST /runs/:id/stop`, SIGKILL after `graceMs`, default 3000) and waits until it ended. */
  stopService(id: string, options: { graceMs?: number } = {}): Promise<void> {
    return stopServiceOverHttp(this, id, options.graceMs);
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
