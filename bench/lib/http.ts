/** Where a light-run answers and the token it wants. */
export interface Endpoint {
  url: string;
  token: string;
}

/** One JSON call to light-run; throws with the answer on any non-2xx status. */
export async function callJson<T>(ep: Endpoint, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${ep.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ep.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : JSON.stringify(body),
    signal: AbortSignal.timeout(600_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** GET of an artifact's bytes as text. */
export async function artifactText(ep: Endpoint, runId: string, path: string): Promise<string> {
  const res = await fetch(`${ep.url}/runs/${encodeURIComponent(runId)}/artifacts/${path}`, {
    headers: { authorization: `Bearer ${ep.token}` },
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  if (!res.ok)
    throw new Error(`GET artifact ${path} of ${runId} answered ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

/** Deletes a finished run's record and artifacts (housekeeping, untimed). */
export async function deleteRun(ep: Endpoint, runId: string): Promise<void> {
  const res = await fetch(`${ep.url}/runs/${encodeURIComponent(runId)}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${ep.token}` },
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer();
  if (!res.ok && res.status !== 404) throw new Error(`DELETE /runs/${runId} answered ${res.status}`);
}
