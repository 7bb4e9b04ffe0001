import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { SwarmRunner } from 'light-runner';
import { ArtifactStore } from '../artifacts/artifact-store.ts';
import { registerBearerAuth } from '../auth/bearer.ts';
import { cancelOrphanedRuns, leaseCleanup } from '../leases/lease-cleanup.ts';
import { LeaseRegistry } from '../leases/lease-registry.ts';
import { artifactRoutes } from '../routes/artifacts.ts';
import { healthRoutes } from '../routes/health.ts';
import { imageRoutes } from '../routes/images.ts';
import { infoRoutes } from '../routes/info.ts';
import { leaseRoutes } from '../routes/leases.ts';
import { logRoutes } from '../routes/logs.ts';
import { networkRoutes } from '../routes/networks.ts';
import { openApiRoutes } from '../routes/openapi.ts';
import { runRoutes } from '../routes/runs.ts';
import { uploadRoutes } from '../routes/uploads.ts';
import { CallbackSender } from '../runs/callback.ts';
import { LogStore } from '../runs/log-store.ts';
import { Retention } from '../runs/retention.ts';
import { RunManager } from '../runs/run-manager.ts';
import { RunRecords } from '../runs/run-records.ts';
import { type RecoveryReport, recoverRuns } from '../runs/run-recovery.ts';
import { registerUploadBody } from '../uploads/upload-body.ts';
import { UploadStore } from '../uploads/upload-store.ts';
import type { ServerContext } from './context.ts';
import { registerErrorHandler } from './error-handler.ts';
import { registerHostCheck } from './host-check.ts';
import { parseJsonBody } from './json-body.ts';
import { type LightRunServerOptions, resolveOptions } from './options.ts';
import { registerOversizeBody } from './oversize-body.ts';
import { type RouteSpec, registerRoutes } from './route-spec.ts';
import { createRunner } from './runner.ts';

/**
 * How long, in ms, creation waits for the first parked container of each warm-pool image
 * (its preparation runs alongside the rest of the start); past it light-run serves anyway
 * and runs go cold until the pool fills (a slow pull, say).
 */
const WARM_UP_WAIT_MS = 5_000;

/** Waits for one parked container per warm-pool image, at most WARM_UP_WAIT_MS. */
async function warmUpBounded(
  runner: ReturnType<typeof createRunner>,
  log: (line: string) => void,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([
    runner.warmUp({ minimum: 1 }).then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), WARM_UP_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (late)
    log(
      `light-run: the warm pool is not ready after ${WARM_UP_WAIT_MS} ms; serving, runs go cold until it is`,
    );
}

/** How long, in ms, shutdown lets open connections finish before closing them. */
const CONNECTION_GRACE_MS = 5000;

/** A light-run instance: its fastify app, and how to listen and shut down. */
export interface LightRunServer extends AsyncDisposable {
  /** The fastify app, e.g. for `app.inject()` in tests. */
  readonly app: FastifyInstance;
  /** Base URL (`http://127.0.0.1:3001`) once listening; undefined before. */
  readonly url: string | undefined;
  /** What the start found in the data dir: runs re-attached, runs marked lost. */
  readonly recovery: RecoveryReport;
  /** Every route spec, as `GET /openapi.json` documents it. */
  readonly routes: readonly RouteSpec[];
  /** What fastify actually registered (`METHOD /url`), to check the document against. */
  readonly registeredRoutes: readonly string[];
  /** Listens on the configured host and port (0 = a free port); resolves with the base URL. */
  listen(): Promise<string>;
  /**
   * Graceful shutdown: stops accepting, ends queued runs, cancels in-flight synchronous
   * runs (their requests get the cancelled state), leaves detached runs running for the
   * next start to re-attach (an `ephemeral` instance cancels them and removes what it
   * created), then closes the runner. Safe to call more than once.
   */
  close(): Promise<void>;
}

/**
 * Creates a light-run server over a data dir: re-attaches the detached runs a previous
 * process left running, marks lost ones failed and reaps orphans, then registers the routes.
 * @example
 * await using server = await createLightRunServer({ dataDir: '/var/lib/light-run', token, port: 0 });
 * const url = await server.listen();
 */
export async function createLightRunServer(input: LightRunServerOptions): Promise<LightRunServer> {
  const options = resolveOptions(input);
  for (const sub of ['', 'runs', 'logs', 'artifacts', 'runner']) {
    mkdirSync(join(options.dataDir, sub), { recursive: true, mode: 0o700 });
  }
  const runner = createRunner(options);
  const records = new RunRecords(join(options.dataDir, 'runs'), options.log);
  const logs = new LogStore(join(options.dataDir, 'logs'), options.logMaxBytesPerRun, options.log);
  const uploads = new UploadStore(join(options.dataDir, 'uploads'), options.log);
  const artifacts = new ArtifactStore(
    join(options.dataDir, 'artifacts'),
    options.artifactStoreBytes,
    records,
    () => uploads.usageBytes(),
  );
  const callbacks = new CallbackSender({
    retryDelaysMs: options.callbackRetryDelaysMs,
    timeoutMs: options.callbackTimeoutMs,
    log: options.log,
  });
  const deps = { runner, records, logs, artifacts, callbacks, maxConcurrent: options.maxConcurrent };
  const manager = new RunManager({
    ...deps,
    maxServices: options.maxServices,
    otherStoreBytes: () => uploads.usageBytes(),
    artifactCapBytes: options.artifactStoreBytes,
    log: options.log,
    onFinished: () => retention.afterFinish(),
  });
  const { keepRuns, keepForMs } = options;
  const retention = new Retention(records, (id) => manager.remove(id), { keepRuns, keepForMs }, options.log);
  const recovery = await recoverRuns({ manager, runner, records, logs, log: options.log });
  const cleanup = leaseCleanup(manager, records, runner.networks);
  const leases = new LeaseRegistry(join(options.dataDir, 'leases.json'), cleanup, options.log);
  leases.load();
  const orphans = await cancelOrphanedRuns(manager, records, (id) => leases.isLive(id));
  if (orphans.length > 0)
    options.log(`light-run: cancelled ${orphans.length} run(s) whose lease ended: ${orphans.join(', ')}`);
  await retention.start();
  // The first runs should find a parked container: wait (bounded) for one per pool image.
  if (options.warmPool) await warmUpBounded(runner, options.log);
  // Say once, at start, which limits this host does not enforce in the kernel (see light-runner's README).
  const enforced = await runner.enforcement().catch((err: unknown) => {
    options.log(`light-run: probing the host's enforcement failed: ${(err as Error).message}`);
    return undefined;
  });
  if (enforced && !enforced.hostFirewall.enforced)
    options.log(`light-run: containers can reach services of this host: ${enforced.hostFirewall.detail}`);
  if (enforced?.disk.mode === 'watch')
    options.log(`light-run: the disk cap is watched, not a quota: ${enforced.disk.detail}`);
  const ctx: ServerContext = {
    options,
    manager,
    artifacts,
    uploads,
    logs,
    leases,
    networks: runner.networks,
    ping: () => runner.ping(),
    imageId: (image) => runner.imageId(image),
    runnerSettings: () => runner.settings,
    enforcement: () => runner.enforcement(),
    ...(runner instanceof SwarmRunner
      ? { cluster: async () => ({ registry: runner.registry ?? null, nodes: await runner.nodes() }) }
      : {}),
  };
  const { app, routes, registeredRoutes } = buildApp(ctx);
  let shuttingDown = false;
  // Responses sent while shutting down end their connection, so keep-alive clients do not
  // hold the server open until their idle timeout.
  app.addHook('onSend', async (_request, reply) => {
    if (shuttingDown) reply.header('connection', 'close');
  });

  let url: string | undefined;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      shuttingDown = true;
      leases.close();
      retention.close();
      const appClosed = app.close();
      await manager.shutdown({ cancelDetached: options.ephemeral });
      // server.close() closes idle keep-alive connections once; a response that finishes
      // later (the client may have read every byte before the server saw the end) would
      // keep its connection open until the keep-alive timeout, so sweep until closed.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
      app.server.closeIdleConnections();
      // A connection still open after a grace period (a client that connected but never
      // sent a request, or a slow download) is closed.
      const force = setTimeout(() => app.server.closeAllConnections(), CONNECTION_GRACE_MS);
      await appClosed;
      clearInterval(sweep);
      clearTimeout(force);
      if (options.ephemeral) {
        // Nothing of an ephemeral instance outlives it: run-scoped networks its client
        // created (and could not delete, e.g. because the client was killed) go too.
        const reaped = await runner.reapOrphans().catch((err: unknown) => {
          options.log(`light-run: reaping at shutdown: ${(err as Error).message}`);
          return undefined;
        });
        // The own default network goes at every shutdown; anything else was left by a client.
        const networks = reaped?.networks.filter((name) => name !== options.defaultNetwork) ?? [];
        if (reaped && reaped.containers.length + networks.length > 0) {
          options.log(
            `light-run: removed ${reaped.containers.length} container(s) and ${networks.length} network(s) left by clients at shutdown`,
          );
        }
      }
      await runner.close().catch((err: unknown) => {
        // Dropping the shared default network fails while another runner's containers use
        // it; that network is theirs to clean up then, and our shutdown is still complete.
        options.log(`light-run: closing the runner: ${(err as Error).message}`);
      });
    })();
    return closing;
  };
  return {
    app,
    recovery,
    routes,
    registeredRoutes,
    get url() {
      return url;
    },
    async listen() {
      await app.listen({ port: options.port, host: options.host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
      return url;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function buildApp(ctx: ServerContext): {
  app: FastifyInstance;
  routes: RouteSpec[];
  registeredRoutes: string[];
} {
  // No implicit HEAD routes: what is registered is exactly what the OpenAPI document lists.
  const app = Fastify({
    bodyLimit: ctx.options.bodyLimitBytes,
    logger: false,
    return503OnClosing: true,
    exposeHeadRoutes: false,
  });
  const registeredRoutes: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) registeredRoutes.push(`${method} ${route.url}`);
  });
  // JSON is the only body this API takes; anything else is 415, not a string to validate.
  app.removeAllContentTypeParsers();
  // An empty JSON body (e.g. `POST /runs/:id/cancel` from a client that always sets the
  // header) means "no body", not a syntax error.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body.toString();
    if (text.length === 0) return done(null, undefined);
    try {
      return done(null, parseJsonBody(text));
    } catch (err) {
      return done(err as Error, undefined);
    }
  });
  registerErrorHandler(app, ctx.options.log);
  // Before authentication: a rebinding or cross-site request learns nothing, not even 401.
  registerHostCheck(app, ctx.options);
  registerUploadBody(app);
  registerOversizeBody(app, ctx.options.bodyLimitBytes);
  if (ctx.options.token) registerBearerAuth(app, ctx.options.token);
  else {
    ctx.options.log(
      `light-run: WARNING: no token configured; anyone who can reach ${ctx.options.host} can run containers. Set --token or LIGHT_RUN_TOKEN.`,
    );
  }
  const routes: RouteSpec[] = [];
  routes.push(
    ...healthRoutes(ctx),
    ...runRoutes(ctx),
    ...logRoutes(ctx),
    ...artifactRoutes(ctx),
    ...uploadRoutes(ctx),
    ...networkRoutes(ctx),
    ...leaseRoutes(ctx),
    ...infoRoutes(ctx),
    ...imageRoutes(ctx),
    ...openApiRoutes(ctx, () => routes),
  );
  registerRoutes(app, routes);
  return { app, routes, registeredRoutes };
}
