import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a {@link CallbackReceiver} got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback HTTP server that records what is POSTed to it. */
export interface CallbackReceiver extends AsyncDisposable {
  url: string;
  received: Received[];
  /** Resolves with the first `count` requests once they arrived. */
  next(count?: number): Promise<Received[]>;
}

/** Starts a receiver on `host` (127.0.0.1 by default) that answers `status` (204 by default). */
export async function startReceiver(host = '127.0.0.1', status = 204): Promise<CallbackReceiver> {
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status).end();
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/hook`,
    received,
    async next(count = 1) {
      while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return received.slice(0, count);
    },
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A GET with the path sent exactly as written (fetch would normalise `..` and `%2e%2e`). */
export function rawGet(url: string, path: string, token: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}
