import type { WorkflowDefinition } from '../../definition/definitions.ts';
import { LightProcessError, type LightProcessErrorCode } from '../../definition/errors.ts';
import type { ApiErrorCode } from '../server/api-error.ts';
import type { RunEvent } from '../server/event-types.ts';
import type { RunRecord } from '../server/store/types.ts';

/** Options of `LightServeClient`. */
export interface LightServeClientOptions {
  /** Base URL of the `light serve`, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Bound of every ordinary request, in milliseconds. @default 30000 */
  requestTimeoutMs?: number;
}

// Remote error codes that mean the same here (each is an ApiErrorCode and a LightProcessErrorCode).
const PASSED_THROUGH: ReadonlySet<string> = new Set<ApiErrorCode & LightProcessErrorCode>([
  'WORKFLOW_INVALID',
  'WORKFLOW_NOT_FOUND',
  'INPUT_INVALID',
  'ENV_MISSING',
]);
// Remote error codes the user fixes on their side (key, request, names): usage errors. Any
// other code (a 5xx, a code this version does not know) is a remote failure, not a usage error.
const USAGE_CODES: ReadonlySet<string> = new Set<ApiErrorCode>([
  'UNAUTHORIZED',
  'INVALID_REQUEST',
  'INVALID_JSON',
  'ROUTE_NOT_FOUND',
  'RUN_NOT_FOUND',
  'RUN_FINISHED',
  'WORKFLOW_EXISTS',
  'UNSUPPORTED_MEDIA_TYPE',
  'BODY_TOO_LARGE',
  'HOST_NOT_ALLOWED',
  'ORIGIN_NOT_ALLOWED',
]);

function localCode(remoteCode: string): LightProcessErrorCode {
  if (PASSED_THROUGH.has(remoteCode)) return remoteCode as LightProcessErrorCode;
  if (remoteCode === 'UNREACHABLE') return 'LIGHT_SERVE_UNREACHABLE';
  return USAGE_CODES.has(remoteCode) ? 'USAGE' : 'REMOTE_FAILED';
}

/** A `light serve` answered with an error, or could not be reached. Carries the remote's status and code. */
export class RemoteError extends LightProcessError {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** The remote's `error.code`. */
  readonly remoteCode: string;

  constructor(
    status: number,
    remoteCode: string,
    message: string,
    options: { cause?: unknown; details?: unknown } = {},
  ) {
    super(localCode(remoteCode), message, options);
    this.status = status;
    this.remoteCode = remoteCode;
  }
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
    return (await this.#json('GET', `/api/workflows/${enc(id)}?full=1`)) as WorkflowDefinition;
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
    const body = (await this.#json('POST', `/api/workflows/${enc(workflowId)}/run?async=1`, input ?? {})) as {
      runId: string;
    };
    return body.runId;
  }

  /** A run with its nodes. */
  async getRun(runId: string): Promise<RunRecord> {
    return (await this.#json('GET', `/api/runs/${enc(runId)}`)) as RunRecord;
  }

  /** Follows a run's events until `run-finished` (or the stream ends). No overall timeout: runs end by themselves. */
  async followRun(runId: string, onEvent: (event: RunEvent) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.#send('GET', `/api/runs/${enc(runId)}/events`, undefined, {
      stream: true,
      signal,
    });
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .find((line) => line.startsWith('data: '));
        buffer = buffer.slice(end + 2);
        if (data) onEvent(JSON.parse(data.slice(6)) as RunEvent);
      }
    }
  }

  async #json(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.#send(method, path, body);
    return res.json();
  }

  async #send(
    method: string,
    path: string,
    body?: unknown,
    options: { accept404?: boolean; stream?: boolean; signal?: AbortSignal | undefined } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {};
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
      error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
    } catch {
      error = { message: text.slice(0, 200) }; // not our error shape: show what came back
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

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
