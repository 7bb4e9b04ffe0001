import type { RunStepOptions, StepOutcome, StepRunner } from '../execution/step-runner.ts';
import { LightRunHttpError } from './errors.ts';
import { type FetchLike, LightRunHttp } from './http.ts';
import { readNdjson } from './ndjson.ts';
import { runStepOverHttp, startServiceOverHttp, stopServiceOverHttp } from './run-step.ts';
import {
  type HealthResponse,
  healthResponse,
  type LogLineResponse,
  logLineResponse,
  networkCleanupResponse,
  networkCreatedResponse,
  networkStateResponse,
  type RunStateResponse,
  runStateResponse,
  TERMINAL_STATUSES,
} from './wire.ts';
import type { RunBody, StopBody } from './wire-types.ts';

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
}

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

  constructor(options: LightRunClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.http = new LightRunHttp(this.url, options.token, options.fetch ?? ((u, i) => fetch(u, i)));
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.waitSliceMs = options.waitSliceMs ?? 30_000;
  }

  /** `GET /health`: resolves for 200 and 503 alike (read `status`); throws when light-run is unreachable. */
  async health(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<HealthResponse> {
    const call = {
      method: 'GET',
      path: '/health',
      timeoutMs: options.timeoutMs ?? 5_000,
      accept: [503],
    } as const;
    return (await this.http.json({ ...call, signal: options.signal }, healthResponse)).body;
  }

  /** `POST /run` with `detached: true`: resolves at once with the queued or running state. */
  async submit(body: RunBody, options: { signal?: AbortSignal } = {}): Promise<RunStateResponse> {
    const call = {
      method: 'POST',
      path: '/run',
      body: { ...body, detached: true },
      timeoutMs: this.timeoutMs,
    } as const;
    return (await this.http.json({ ...call, signal: options.signal }, runStateResponse)).body;
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
    return (await this.http.json(call, runStateResponse)).body;
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

  /** `POST /runs/:id/cancel`: kills the run and removes its container. */
  async cancel(id: string): Promise<RunStateResponse> {
    const call = { method: 'POST', path: `/runs/${enc(id)}/cancel`, timeoutMs: this.timeoutMs } as const;
    return (await this.http.json(call, runStateResponse)).body;
  }

  /** `POST /runs/:id/stop`: sends `signal` (default SIGTERM), then kills after `grace` ms. */
  async stop(id: string, body: StopBody = {}): Promise<RunStateResponse> {
    const call = { method: 'POST', path: `/runs/${enc(id)}/stop`, body, timeoutMs: this.timeoutMs } as const;
    return (await this.http.json(call, runStateResponse)).body;
  }

  /** `GET /runs/:id/artifacts/<path>`: the file's bytes, or `null` when the run has no such artifact. */
  async artifact(id: string, path: string): Promise<Buffer | null> {
    const encoded = path.split('/').map(enc).join('/');
    const call = {
      method: 'GET',
      path: `/runs/${enc(id)}/artifacts/${encoded}`,
      timeoutMs: this.timeoutMs,
      accept: [404],
    } as const;
    const response = await this.http.send(call, AbortSignal.timeout(this.timeoutMs));
    if (response.status === 404) {
      await this.http.readText(response, call);
      return null;
    }
    return Buffer.from(await response.arrayBuffer());
  }

  /** `POST /networks`: creates a network; resolves `false` when it already existed. */
  async createNetwork(name: string, options: { internal?: boolean; icc?: boolean } = {}): Promise<boolean> {
    const call = {
      method: 'POST',
      path: '/networks',
      body: { name, ...options },
      timeoutMs: this.timeoutMs,
    } as const;
    return (await this.http.json(call, networkCreatedResponse)).body.created;
  }

  /** `GET /networks/:name`: whether the network exists. */
  async networkExists(name: string): Promise<boolean> {
    const call = { method: 'GET', path: `/networks/${enc(name)}`, timeoutMs: this.timeoutMs } as const;
    return (await this.http.json(call, networkStateResponse)).body.exists;
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

  /** Runs one step: submit detached, stream logs, wait for the end, fetch `.lp-output.json`. */
  runStep(body: RunBody, options: RunStepOptions = {}): Promise<StepOutcome> {
    return runStepOverHttp(this, body, options);
  }

  /** Starts a service detached and resolves once it is running. */
  startService(body: RunBody, options: { signal?: AbortSignal } = {}): Promise<{ id: string }> {
    return startServiceOverHttp(this, body, options);
  }

  /** Stops a service (`POST /runs/:id/stop`) and waits until it ended. */
  stopService(id: string): Promise<void> {
    return stopServiceOverHttp(this, id);
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
