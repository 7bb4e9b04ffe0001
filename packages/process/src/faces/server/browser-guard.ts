import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.ts';

/** Host names every server accepts: the loopback interface under its usual names. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/** Which `Host` values a server answers; `'*'` turns the check off (behind a proxy that checks it). */
export type AllowedHosts = '*' | readonly string[];

/** The host name of a `Host` header or URL authority, lower-cased, without the port. */
export function hostName(authority: string): string {
  const value = authority.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end === -1 ? value : value.slice(0, end + 1);
  }
  // A bare IPv6 address has several colons and no port to strip.
  const colons = value.split(':').length - 1;
  return colons === 1 ? value.slice(0, value.indexOf(':')) : value;
}

/** The accepted host names for a server bound to `bindHost`, plus the operator's extra ones. */
export function acceptedHosts(bindHost: string | undefined, extra: AllowedHosts): AllowedHosts {
  if (extra === '*') return '*';
  const names = new Set([...LOOPBACK_HOSTS, ...extra.map(hostName)]);
  // A wildcard bind names no host: the operator lists the names it is reached by.
  if (bindHost && !['0.0.0.0', '::', '[::]'].includes(bindHost)) {
    names.add(hostName(bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost));
  }
  return [...names];
}

function checkHost(request: FastifyRequest, allowed: AllowedHosts): void {
  // Probes (a container health check, a Kubernetes pod IP) name no configured host; the
  // answer holds nothing a rebinding page could use.
  if (allowed === '*' || (request.method === 'GET' && request.routeOptions.url === '/health')) return;
  const header = request.headers.host;
  if (!header) throw new ApiError('HOST_NOT_ALLOWED', 'the request has no Host header');
  const name = hostName(header);
  if (!allowed.includes(name)) {
    throw new ApiError(
      'HOST_NOT_ALLOWED',
      `Host '${header}' is not a name of this server (allow it with --allowed-hosts ${name})`,
    );
  }
}

// Whether an Origin names the server the request reached (its Host), default ports aside.
function sameAuthority(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const page = new URL(origin);
    if (page.protocol !== 'http:' && page.protocol !== 'https:') return false;
    return page.host === new URL(`${page.protocol}//${host}`).host;
  } catch {
    return false; // `null` (a sandboxed frame, a file: page) or garbage: not this server
  }
}

// A browser names the page's origin on every cross-site write; a request without one
// (curl, the light CLI, the SDK) comes from no web page. `Sec-Fetch-Site` backs it up.
function checkOrigin(request: FastifyRequest): void {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  const origin = request.headers.origin;
  if (origin === undefined) {
    if (request.headers['sec-fetch-site'] === 'cross-site')
      throw new ApiError('ORIGIN_NOT_ALLOWED', `a cross-site ${request.method} is not allowed`);
    return;
  }
  if (!sameAuthority(origin, request.headers.host)) {
    throw new ApiError(
      'ORIGIN_NOT_ALLOWED',
      `Origin '${origin}' is not this server: only its own pages may send ${request.method} requests`,
    );
  }
}

// Only JSON is parsed, so a form (urlencoded, multipart, text/plain) can never be a body.
function checkContentType(request: FastifyRequest): void {
  if (request.method !== 'POST' && request.method !== 'PUT') return;
  const length = request.headers['content-length'];
  const hasBody =
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return;
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ApiError(
      'UNSUPPORTED_MEDIA_TYPE',
      `a ${request.method} body must be application/json, not ${type ? `'${type}'` : 'untyped'}`,
    );
  }
}

/**
 * Keeps web pages from driving the server: only `Host` values that name it are answered
 * (no DNS rebinding; `GET /health` answers any), writes from a foreign `Origin` are refused (no cross-site form posts),
 * and a request body must be `application/json`. Runs before the API key check.
 * @param allowed read on every request: the accepted names are known once the server listens.
 */
export function installBrowserGuard(app: FastifyInstance, allowed: () => AllowedHosts): void {
  app.addHook('onRequest', async (request) => {
    checkHost(request, allowed());
    checkOrigin(request);
    checkContentType(request);
  });
}
