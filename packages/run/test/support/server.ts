import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import { tempDir } from '../../../../test/support/temp.ts';
import { createLightRunServer, type LightRunServer, type LightRunServerOptions } from '../../src/index.ts';

/** A light-run listening on 127.0.0.1 on a free port, with its own data dir unless one is given. */
export interface TestServer extends AsyncDisposable {
  url: string;
  token: string;
  dataDir: string;
  server: LightRunServer;
  /** Owner label of everything this server's runner creates. */
  owner: string;
  /** Lines light-run logged. */
  logged: string[];
  /** fetch with the bearer token, relative to the server URL. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** POST a JSON body with the token. */
  post(path: string, body?: unknown): Promise<Response>;
}

/**
 * Names what is still labelled with `owner` on the engine. The suite-wide leak check sees
 * every project resource on the engine, other processes' included; this one sees only ours.
 */
export async function ownedLeftovers(owner: string): Promise<string[]> {
  const docker = new Dockerode();
  const filters = JSON.stringify({ label: [`dev.light.owner=${owner}`] });
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
  ]);
  return [
    ...containers.map((c) => `container ${c.Names[0]} (${c.State})`),
    ...networks.map((n) => `network ${n.Name}`),
  ];
}

/**
 * Starts a real light-run over real HTTP. Disposing it closes it, asserts that nothing
 * labelled with its owner is left on the engine (unless `keepRuns`, for a server that
 * leaves detached runs to a successor), and removes its own data dir.
 */
export async function startServer(
  overrides: Partial<LightRunServerOptions> = {},
  { keepRuns = false }: { keepRuns?: boolean } = {},
): Promise<TestServer> {
  const owner = overrides.owner ?? `light-run-test-${randomBytes(4).toString('hex')}`;
  const owned = overrides.dataDir === undefined ? tempDir('run-data') : undefined;
  const dataDir = overrides.dataDir ?? (owned as { path: string }).path;
  const token = overrides.token ?? randomBytes(16).toString('hex');
  const logged: string[] = [];
  const server = await createLightRunServer({
    port: 0,
    callbackRetryDelaysMs: [100, 300],
    log: (line) => logged.push(line),
    ...overrides,
    dataDir,
    token,
    owner,
  });
  const url = await server.listen();
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) },
    });
  return {
    url,
    token,
    dataDir,
    server,
    owner,
    logged,
    api,
    post: (path, body) =>
      api(path, {
        method: 'POST',
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      }),
    async [Symbol.asyncDispose]() {
      await server.close();
      owned?.[Symbol.dispose]();
      const left = keepRuns ? [] : await ownedLeftovers(owner);
      if (left.length > 0) throw new Error(`light-run (owner ${owner}) left behind: ${left.join(', ')}`);
    },
  };
}

/** Reads a JSON response body with a type. */
export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
