import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy on 127.0.0.1 in front of a light-run: it can hold a request mid-way and cut the link. */
export interface TcpProxy extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`: what the client under test calls. */
  url: string;
  /**
   * From the next client bytes that contain `marker`, forwards what comes before it and holds
   * the rest of that connection's request until `release()`: a request stuck mid-upload.
   * Resolves once such bytes were seen.
   */
  holdFrom(marker: string): Promise<void>;
  /** Forwards what `holdFrom` held, and everything after it. */
  release(): void;
  /** Stops listening and cuts every open connection: the link to light-run is down. */
  drop(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  held: Buffer[] | undefined;
}

/** Starts a proxy on a free port of 127.0.0.1 that forwards to `target` (`http://host:port`). */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const pairs = new Set<Pair>();
  let watch: { marker: string; seen: () => void } | undefined;

  const onConnection = (client: Socket): void => {
    const upstream = createConnection({ host: hostname, port: Number(targetPort) });
    const pair: Pair = { client, upstream, held: undefined };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('data', (chunk: Buffer) => {
      if (pair.held) {
        pair.held.push(chunk);
        return;
      }
      const at = watch ? chunk.indexOf(watch.marker) : -1;
      if (watch && at >= 0) {
        upstream.write(chunk.subarray(0, at));
        pair.held = [chunk.subarray(at)];
        const { seen } = watch;
        watch = undefined;
        seen();
        return;
      }
      upstream.write(chunk);
    });
  };

  let server: Server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const listen = (): Promise<void> =>
    new Promise((resolve) => {
      server = createServer(onConnection);
      server.listen(port, '127.0.0.1', resolve);
    });
  const stop = async (): Promise<void> => {
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    pairs.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    url: `http://127.0.0.1:${port}`,
    holdFrom: (marker) =>
      new Promise<void>((resolve) => {
        watch = { marker, seen: resolve };
      }),
    release: () => {
      for (const pair of pairs) {
        const held = pair.held;
        if (!held) continue;
        pair.held = undefined;
        for (const chunk of held) pair.upstream.write(chunk);
      }
    },
    drop: stop,
    restore: listen,
    [Symbol.asyncDispose]: async () => {
      if (server.listening) await stop();
    },
  };
}
