import type { z } from 'zod';
import { type WorkflowDefinition, workflowDefinition } from '../../definition/definitions.ts';
import { errorBody, runAccepted, runRecord } from '../server/schemas.ts';
import { followEventStream, type RemoteRunEvent } from './follow-events.ts';
import { RemoteError } from './remote-error.ts';

/** A run of a remote, as validated on arrival (error codes are the remote's strings). */
export type RemoteRunRecord = z.output<typeof runRecord>;

/** Options of `LightServeClient`. */
export interface LightServeClientOptions {
  /** Base URL of the `light serve`, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Bound of every ordinary request, in milliseconds. @default 30000 */
  requestTimeoutMs?: number;
}

/** HTTP client of a remote `light serve`: what `light remote run`, `push` and `pull` call. */
export class LightServeClient {
  /** Base URL without a trailing slash. */
  readonly url: string;
  readonly #apiKey: string | undefined;
  readonly #timeoutMs: number;

  constructor(options: LightServeClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** Whether a workflow with that id is registered. */
  async hasWorkflow(id: string): Promise<boolean> {
    const res = await this.#send('GET', `/api/workflows/${enc(id)}`, undefined, { accept404: true });
    await res.body?.cancel();
    return res.status !== 404;
  }

  /** The whole definition of a workflow (`?full=1`). */
  async getWorkflow(id: string): Promise<WorkflowDefinition> {
    const body = await this.#json('GET', `/api/workflows/${enc(id)}?full=1`);
    return checked(workflowDefinition, body, `workflow '${id}' from ${this.url}`);
  }

  /** Registers a workflow, or replaces it when the id exists; persisted to the remote's folder. */
  async pushWorkflow(
    definition: WorkflowDefinition,
    options: { persist?: boolean } = {},
  ): Promise<'created' | 'replaced'> {
    const persist = options.persist === false ? '' : '?persist=1';
    if (await this.hasWorkflow(definition.id)) {
      await this.#json('PUT', `/api/workflows/${enc(definition.id)}${persist}`, definition);
      return 'replaced';
    }
    await this.#json('POST', `/api/workflows${persist}`, definition);
    return 'created';
  }

  /** Starts a run and resolves with its id at once. */
  async startRun(workflowId: string, input: unknown): Promise<string> {
    const body = await this.#json('POST', `/api/workflows/${enc(workflowId)}/run?async=1`, input ?? {});
    return checked(runAccepted, body, `the start of a run of '${workflowId}' on ${this.url}`).runId;
  }

  /** A run with its nodes. */
  async getRun(runId: string): Promise<RemoteRunRecord> {
    const body = await this.#json('GET', `/api/runs/${enc(runId)}`);
    return checked(runRecord, body, `run ${runId} from ${this.url}`);
  }

  /**
   * Follows a run's events until `run-finished`. No overall timeout: runs end by themselves. A
   * stream that drops before the end is reopened with backoff and `Last-Event-ID`, so each
   * event reaches `onEvent` once. `options` paces the reconnects (see `FollowEventStreamOptions`).
   */
  async followRun(
    runId: string,
    onEvent: (event: RemoteRunEvent) => void,
    signal?: AbortSignal,
    options: { retryDelayMs?: number; maxRetries?: number } = {},
  ): Promise<void> {
    await followEventStream({
      ...options,
      what: `the events of run ${runId} on ${this.url}`,
      open: (lastEventId) =>
        this.#send('GET', `/api/runs/${enc(runId)}/events`, undefined, {
          stream: true,
          signal,
          ...(lastEventId !== undefined ? { headers: { 'last-event-id': lastEventId } } : {}),
        }),
      onEvent,
      signal,
    });
  }

  async #json(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.#send(method, path, body);
    try {
      return await res.json();
    } catch (cause) {
      throw new RemoteError(res.status, 'BAD_RESPONSE', `${this.url}${path} did not answer JSON`, { cause });
    }
  }

  async #send(
    method: string,
    path: string,
    body?: unknown,
    options: {
      accept404?: boolean;
      stream?: boolean;
      signal?: AbortSignal | undefined;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = options.stream ? undefined : AbortSignal.timeout(this.#timeoutMs);
    const signal =
      timeout && options.signal ? AbortSignal.any([timeout, options.signal]) : (timeout ?? options.signal);
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (cause) {
      const reason =
        cause instanceof Error
          ? ((cause.cause as Error | undefined)?.message ?? cause.message)
          : String(cause);
      throw new RemoteError(0, 'UNREACHABLE', `cannot reach light serve at ${this.url} (${reason})`, {
        cause,
      });
    }
    if (res.ok || (options.accept404 && res.status === 404)) return res;
    const text = await res.text();
    let error: { code?: string; message?: string; details?: unknown } = {};
    try {
      const parsed = errorBody.safeParse(JSON.parse(text));
      // not our error shape: show what came back
      error = parsed.success ? parsed.data.error : { message: text.slice(0, 200) };
    } catch {
      error = { message: text.slice(0, 200) }; // not JSON: show what came back
    }
    const code = error.code ?? `HTTP_${res.status}`;
    throw new RemoteError(
      res.status,
      code,
      `${this.url} answered ${res.status} ${code}: ${error.message ?? res.statusText}`,
      {
        details: error.details,
      },
    );
  }
}

/** A response body checked against its schema; a mismatch is a `RemoteError` naming the first bad field. */
function checked<T extends z.ZodType>(schema: T, body: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
  throw new RemoteError(200, 'BAD_RESPONSE', `${what} is not what light serve sends (${field})`, {
    details: parsed.error.issues,
  });
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
