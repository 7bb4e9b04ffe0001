import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';

/** The part of a light-run (bin or in-process) these helpers need. */
export interface RunApi {
  url: string;
  token: string;
  api(path: string, init?: RequestInit): Promise<Response>;
  post(path: string, body?: unknown): Promise<Response>;
}

/** The run state light-run answers with (the fields the suite reads). */
export interface RunStateBody {
  id: string;
  status: string;
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  artifacts: { path: string; bytes: number; type: string }[];
  error?: { code: string; message: string };
}

/** light-run's error shape. */
export interface ErrorBodyJson {
  error: { code: string; message: string; details?: unknown };
}

/** POST /run synchronously; resolves with the HTTP status and the parsed body. */
export async function runSync(
  lr: RunApi,
  body: Record<string, unknown>,
): Promise<{ status: number; state: RunStateBody }> {
  const res = await lr.post('/run', body);
  return { status: res.status, state: (await res.json()) as RunStateBody };
}

/** POST /run detached; asserts nothing, returns the 202 body. */
export async function startDetached(lr: RunApi, body: Record<string, unknown>): Promise<RunStateBody> {
  const res = await lr.post('/run', { ...body, detached: true });
  const state = (await res.json()) as RunStateBody;
  if (res.status !== 202)
    throw new Error(`POST /run detached answered ${res.status}: ${JSON.stringify(state)}`);
  return state;
}

/** Long-polls GET /runs/:id?wait= until the run is terminal or `withinMs` passed. */
export async function waitEnd(lr: RunApi, id: string, withinMs = 60_000): Promise<RunStateBody> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = Math.max(1, Math.min(20_000, deadline - Date.now()));
    const res = await lr.api(`/runs/${id}?wait=${left}`);
    const state = (await res.json()) as RunStateBody;
    if (['succeeded', 'failed', 'cancelled', 'timeout'].includes(state.status)) return state;
    if (Date.now() >= deadline) throw new Error(`run ${id} still ${state.status} after ${withinMs} ms`);
  }
}

/** The run's log as text. */
export async function logText(lr: RunApi, id: string): Promise<string> {
  return (await lr.api(`/runs/${id}/logs`)).text();
}

/** Polls the log until it contains `text`. */
export async function waitForLog(lr: RunApi, id: string, text: string, withinMs = 30_000): Promise<string> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const log = await logText(lr, id);
    if (log.includes(text)) return log;
    if (Date.now() > deadline)
      throw new Error(`run ${id} never printed ${JSON.stringify(text)}; log:\n${log}`);
    await sleep(150);
  }
}

/** Containers (any state) of a light-run run id. */
export async function containersOfRun(
  id: string,
  docker = new Dockerode(),
): Promise<Dockerode.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: JSON.stringify({ label: [`dev.light.run-id=${id}`] }) });
}

/** Waits until no container of run `id` exists; resolves with the milliseconds it took. */
export async function containersGone(id: string, withinMs = 5_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await containersOfRun(id)).length === 0) return Date.now() - started;
    if (Date.now() - started > withinMs)
      throw new Error(`a container of run ${id} is still there after ${withinMs} ms`);
    await sleep(100);
  }
}

/** Raw HTTP/1.1 request with the path sent exactly as written (fetch would normalise it). */
export function rawRequest(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Sends only the headers of a request (a large declared `content-length`, no body yet) and
 * resolves with the answer the server gives before any body byte arrives. This observes an
 * early 413 without racing the connection reset that follows an unread body.
 */
export function headersOnly(
  url: string,
  options: { method: string; path: string; headers: Record<string, string> },
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname, port, method: options.method, path: options.path, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          req.destroy();
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no answer to the headers within 10 s')));
    req.flushHeaders();
  });
}
