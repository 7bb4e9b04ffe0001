import type { z } from 'zod';
import {
  describeFetchFailure,
  LightRunHttpError,
  LightRunProtocolError,
  LightRunUnreachableError,
} from './errors.ts';
import { errorResponse } from './wire.ts';

/** The `fetch` the client calls; injectable for tests and custom agents. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** One HTTP call to light-run. */
export interface HttpCall {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, starting with `/`. */
  path: string;
  body?: unknown;
  /** A body sent as is, streamed (instead of `body` as JSON), with its media type. */
  raw?: { stream: ReadableStream<Uint8Array>; contentType: string };
  /** Bound of the whole call (headers and body), in milliseconds. */
  timeoutMs: number;
  /** The caller's cancellation. */
  signal?: AbortSignal;
  /** Statuses answered without throwing (their body is still parsed). */
  accept?: readonly number[];
}

/** Sends requests to one light-run with its bearer token; turns failures into typed errors naming the URL. */
export class LightRunHttp {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly fetchFn: FetchLike,
  ) {}

  /** Sends the call and returns the raw response once the headers arrived (body unread). */
  async send(call: HttpCall, signal: AbortSignal): Promise<Response> {
    const url = this.baseUrl + call.path;
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (call.raw) headers['content-type'] = call.raw.contentType;
    let response: Response;
    try {
      response = await this.fetchFn(url, {
        method: call.method,
        headers,
        signal,
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
        // A streamed body needs half-duplex in Node's fetch.
        ...(call.raw ? { body: call.raw.stream, duplex: 'half' } : {}),
      } as RequestInit);
    } catch (cause) {
      if (call.signal?.aborted) throw call.signal.reason ?? cause;
      throw new LightRunUnreachableError(this.baseUrl, describeFetchFailure(cause, call.timeoutMs), {
        cause,
      });
    }
    if (!response.ok && !call.accept?.includes(response.status)) {
      throw await this.httpError(url, response);
    }
    return response;
  }

  /** Sends the call and parses the JSON answer with `schema` (`null` schema: no body expected). */
  async json<T extends z.ZodType>(call: HttpCall, schema: T): Promise<{ status: number; body: z.output<T> }> {
    const signal = withTimeout(call.signal, call.timeoutMs);
    const response = await this.send(call, signal);
    const text = await this.readText(response, call);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new LightRunProtocolError(this.baseUrl + call.path, `not JSON (${text.slice(0, 80)})`, { cause });
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
      throw new LightRunProtocolError(this.baseUrl + call.path, where);
    }
    return { status: response.status, body: parsed.data };
  }

  /** Sends the call and discards the body; returns the status. */
  async empty(call: HttpCall): Promise<number> {
    const response = await this.send(call, withTimeout(call.signal, call.timeoutMs));
    await this.readText(response, call);
    return response.status;
  }

  /** Reads the body as text; a transport failure mid-body is reported as unreachable. */
  async readText(response: Response, call: HttpCall): Promise<string> {
    try {
      return await response.text();
    } catch (cause) {
      if (call.signal?.aborted) throw call.signal.reason ?? cause;
      throw new LightRunUnreachableError(this.baseUrl, describeFetchFailure(cause, call.timeoutMs), {
        cause,
      });
    }
  }

  /** Reads the body as bytes; a transport failure mid-body is reported as unreachable. */
  async readBytes(response: Response, call: HttpCall): Promise<ArrayBuffer> {
    try {
      return await response.arrayBuffer();
    } catch (cause) {
      if (call.signal?.aborted) throw call.signal.reason ?? cause;
      throw new LightRunUnreachableError(this.baseUrl, describeFetchFailure(cause, call.timeoutMs), {
        cause,
      });
    }
  }

  private async httpError(url: string, response: Response): Promise<LightRunHttpError> {
    let text = '';
    try {
      text = await response.text();
    } catch (cause) {
      // The status alone is still worth reporting; say the body was lost.
      text = `(body unreadable: ${cause instanceof Error ? cause.message : String(cause)})`;
    }
    const parsed = errorResponse.safeParse(safeJson(text));
    if (parsed.success) {
      const { code, message, details } = parsed.data.error;
      return new LightRunHttpError(url, response.status, code, message, details);
    }
    return new LightRunHttpError(
      url,
      response.status,
      `HTTP_${response.status}`,
      text.slice(0, 200) || response.statusText,
    );
  }
}

/** The caller's signal combined with a timeout of `timeoutMs`. */
export function withTimeout(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not JSON: the caller falls back to the raw text
  }
}
