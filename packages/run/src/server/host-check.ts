import { networkInterfaces } from 'node:os';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LightRunError } from '../errors/light-run-error.ts';

/** Names every light-run answers to, whatever it listens on. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];
/** Listen addresses that mean "every interface". */
const WILDCARDS = new Set(['0.0.0.0', '::', '']);
/** Methods a browser may send cross-site without changing anything here. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * A host name as compared: lower case, no brackets around an IPv6 address, no trailing dot;
 * undefined when `text` is not a bare host (it has a port, a path, spaces, credentials).
 */
export function bareHost(text: string): string | undefined {
  const host = text.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']'))
    return /^\[[0-9a-f:.]+\]$/.test(host) ? host.slice(1, -1) : undefined;
  // Two colons or more: an IPv6 address without brackets (a name with a port has one).
  if (/^[0-9a-f:.]+$/.test(host) && host.split(':').length > 2) return host;
  if (!/^[a-z0-9_.-]+$/.test(host)) return undefined;
  return host.replace(/\.$/, '');
}

/** The host part of a `Host` header (`name`, `name:port`, `[v6]:port`), or undefined when malformed. */
export function hostOfHeader(header: string): string | undefined {
  const match = /^(\[[^\]]*\]|[^:[\]]+)(?::\d{1,5})?$/.exec(header.trim());
  return match?.[1] === undefined ? undefined : bareHost(match[1]);
}

/** Every address of this machine's interfaces, as {@link bareHost} writes them. */
function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .map((a) => (a ? bareHost(a.address) : undefined))
    .filter((a): a is string => a !== undefined);
}

/** What the edge check needs from the server options. */
export interface HostCheckOptions {
  /** The interface the server listens on. */
  host: string;
  /** Extra names requests may address. */
  allowedHosts: readonly string[];
}

/**
 * Refuses, before authentication, what a web page could send: a `Host` that names no
 * interface of this server and no allowed host (DNS rebinding: 421 `HOST_NOT_ALLOWED`), and a
 * state-changing request with an `Origin` (or `Sec-Fetch-Site`) of another site (a
 * cross-site form or fetch: 403 `ORIGIN_NOT_ALLOWED`). light-run has no browser clients,
 * so only same-origin browser requests pass; tools that send no `Origin` are unaffected.
 */
export function registerHostCheck(app: FastifyInstance, options: HostCheckOptions): void {
  const listen = bareHost(options.host) ?? options.host;
  const wildcard = WILDCARDS.has(listen);
  const named = new Set([...LOOPBACK_NAMES, ...options.allowedHosts.map((h) => bareHost(h) ?? h)]);
  if (!wildcard) named.add(listen);
  const allowed = (host: string) => named.has(host) || (wildcard && interfaceAddresses().includes(host));

  app.addHook('onRequest', async (request) => {
    const header = request.headers.host;
    // HTTP/1.0 clients may send no Host; no browser does.
    if (header !== undefined) {
      const host = hostOfHeader(header);
      if (host === undefined || !allowed(host)) {
        throw new LightRunError(
          'HOST_NOT_ALLOWED',
          `Host ${JSON.stringify(header)} names no interface of this light-run; it answers to ${[...named].join(', ')}${wildcard ? ' and the addresses of this machine' : ''} (list more names with --allowed-hosts or LIGHT_RUN_ALLOWED_HOSTS)`,
        );
      }
    }
    if (!SAFE_METHODS.has(request.method)) refuseCrossSite(request);
  });
}

function refuseCrossSite(request: FastifyRequest): void {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  if (origin === undefined && (site === undefined || site === 'same-origin' || site === 'none')) return;
  if (origin !== undefined && sameOrigin(origin, request.headers.host)) return;
  throw new LightRunError(
    'ORIGIN_NOT_ALLOWED',
    `${request.method} ${request.url} from ${origin === undefined ? `a ${site} page` : `origin ${JSON.stringify(origin)}`} refused: light-run takes no cross-origin browser requests that change state`,
  );
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host.trim().toLowerCase();
  } catch {
    // `Origin: null` (a sandboxed frame, a file:// page) and garbage are never this server.
    return false;
  }
}
