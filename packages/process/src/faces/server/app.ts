import { join, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { packageVersion } from '../../definition/version.ts';
import { executeWorkflow } from '../../engine/execute.ts';
import { requireApiKey } from './auth.ts';
import { type AllowedHosts, acceptedHosts, installBrowserGuard } from './browser-guard.ts';
import type { ServerContext } from './context.ts';
import { installErrorHandler } from './error-handler.ts';
import { installJsonBody } from './json-body.ts';
import { checkServerOptions, type LightServerOptions } from './options.ts';
import { recoverInterruptedRuns } from './recovery.ts';
import { type RouteSpec, registerRoutes } from './route-spec.ts';
import { artifactRoutes } from './routes/artifacts.ts';
import { eventRoutes } from './routes/events.ts';
import { metaRoutes } from './routes/meta.ts';
import { runRoutes } from './routes/runs.ts';
import { uiRoutes } from './routes/ui.ts';
import { workflowRoutes } from './routes/workflows.ts';
import { RunRegistry } from './run-registry.ts';
import { installSecurityHeaders } from './security-headers.ts';
import { HistoryStore } from './store/history-store.ts';
import { WorkflowCatalog } from './workflow-catalog.ts';

/** A running `light serve`: the fastify app, its routes, and how to listen and stop. */
export interface LightServer extends AsyncDisposable {
  /** The fastify instance (for `inject()` in tests). */
  readonly app: FastifyInstance;
  /** Every route spec, as documented in the OpenAPI document. */
  readonly routes: readonly RouteSpec[];
  /** What fastify actually registered (`METHOD /url`), to check the document against. */
  readonly registeredRoutes: readonly string[];
  /** Whether an API key is required. */
  readonly secured: boolean;
  /** Ids of runs a previous process left in flight, marked failed at start. */
  readonly recoveredRuns: readonly string[];
  /** Starts listening; resolves with the base URL (`port: 0` picks a free port). */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  /** Cancels the running runs, stops listening and closes the history (idempotent). */
  close(): Promise<void>;
}

/**
 * Creates the `light serve` server over the workflows of `options.dir`: REST API, run
 * history, live run events, OpenAPI document and web UI. The CLI and the tests both use it.
 * @example
 * await using local = await startLocalLightRun();
 * await using server = await createLightServer({ dir: 'examples', runner: local.client });
 * console.log(await server.listen({ port: 3000 }));
 */
export async function createLightServer(options: LightServerOptions): Promise<LightServer> {
  checkServerOptions(options);
  const dir = resolve(options.dir);
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    exposeHeadRoutes: false,
    forceCloseConnections: true,
  });
  const store = HistoryStore.open({
    path: options.dbPath ?? join(dir, '.light', 'history.db'),
    ...(options.logLinesPerNode !== undefined ? { logLinesPerNode: options.logLinesPerNode } : {}),
    ...(options.retention !== undefined ? { retention: options.retention } : {}),
  });
  try {
    const recoveredRuns = await recoverInterruptedRuns(store, options.runner, app.log);
    store.applyRetention();
    const env = options.env ?? { source: {}, pass: [] };
    const catalog = await WorkflowCatalog.load(dir, env, app.log);
    const runs = new RunRegistry({
      store,
      execute: options.execute ?? executeWorkflow,
      runner: options.runner,
      env,
      logLinesPerNode: options.logLinesPerNode ?? 1000,
      log: app.log,
    });
    const ctx: ServerContext = { catalog, runs, store, runner: options.runner, version: packageVersion() };
    const routes: RouteSpec[] = [];
    routes.push(
      ...metaRoutes(ctx, () => routes),
      ...workflowRoutes(ctx),
      ...runRoutes(ctx),
      ...artifactRoutes(ctx),
      ...eventRoutes(ctx),
      ...uiRoutes(options.uiDir),
    );
    const registeredRoutes: string[] = [];
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) registeredRoutes.push(`${method} ${route.url}`);
    });
    installErrorHandler(app);
    installJsonBody(app);
    // Headers first, so that refusals carry them too; the browser guard before the key check.
    installSecurityHeaders(app);
    let allowedHosts: AllowedHosts = acceptedHosts(undefined, options.allowedHosts ?? []);
    installBrowserGuard(app, () => allowedHosts);
    if (options.apiKey) requireApiKey(app, options.apiKey);
    else app.log.warn('no API key set (LP_API_KEY): the API is open to anyone who can reach it');
    registerRoutes(app, routes);
    await app.ready();

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        await runs.close();
        await app.close();
        store.close();
      })();
      return closing;
    };
    return {
      app,
      routes,
      registeredRoutes,
      secured: Boolean(options.apiKey),
      recoveredRuns,
      listen: async (where = {}) => {
        const host = where.host ?? '127.0.0.1';
        allowedHosts = acceptedHosts(host, options.allowedHosts ?? []);
        return app.listen({ port: where.port ?? 0, host });
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    store.close();
    await app.close();
    throw error;
  }
}
