import type { RunPage, RunRecord, WorkflowDetail, WorkflowSummary } from './types.ts';

const KEY_STORAGE = 'light-serve-api-key';

/** The API key the user typed, kept for this browser tab only. */
export const apiKey = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string): void => sessionStorage.setItem(KEY_STORAGE, key),
  clear: (): void => sessionStorage.removeItem(KEY_STORAGE),
};

/** An error answer of the API: its code and message. */
export class ApiRequestError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiRequestError';
    this.status = status;
    this.code = code;
  }
}

/** Asked when the API answers 401; resolves once the user has entered a key. */
let askForKey: (reason: string) => Promise<void> = async () => {};

/** Installs the prompt that asks for the API key. */
export function onKeyNeeded(prompt: (reason: string) => Promise<void>): void {
  askForKey = prompt;
}

/** Headers with the API key, when there is one. */
export function authHeaders(): Record<string, string> {
  const key = apiKey.get();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** Calls the API; on 401 asks for the key and tries again. */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  for (;;) {
    const headers = { ...authHeaders(), ...((init.headers as Record<string, string> | undefined) ?? {}) };
    const response = await fetch(path, { ...init, headers });
    if (response.status !== 401) return response;
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    await askForKey(body?.error?.message ?? 'this server needs an API key');
  }
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await request(path, init);
  const body = (await response.json().catch(() => null)) as
    | (T & { error?: { code: string; message: string } })
    | null;
  if (!response.ok) {
    const error = body?.error ?? { code: `HTTP_${response.status}`, message: response.statusText };
    throw new ApiRequestError(response.status, error.code, error.message);
  }
  return body as T;
}

const enc = encodeURIComponent;

/** The calls the UI makes. */
export const api = {
  workflows: () => call<{ workflows: WorkflowSummary[] }>('/api/workflows').then((r) => r.workflows),
  workflow: (id: string) => call<WorkflowDetail>(`/api/workflows/${enc(id)}`),
  startRun: (id: string, input: unknown) =>
    call<{ runId: string }>(`/api/workflows/${enc(id)}/run?async=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    }),
  runs: (query: { workflow?: string; status?: string; limit?: number; offset?: number } = {}) => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') params.set(name, String(value));
    }
    return call<RunPage>(`/api/runs?${params}`);
  },
  run: (id: string) => call<RunRecord>(`/api/runs/${enc(id)}`),
  cancelRun: (id: string) => call<RunRecord>(`/api/runs/${enc(id)}/cancel`, { method: 'POST' }),
};
