import { dirname, join, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { packageVersion } from '../../definition/version.ts';
import { executeWorkflow } from '../../engine/execute.ts';
import { ApiError } from './api-error.ts';
import { requireApiKey } from './auth.ts';
import { type AllowedHosts, acceptedHosts, installBrowserGuard } from './browser-guard.ts';
import type { ServerContext } from './context.ts';
import { installErrorHandler } from './error-handler.ts';
import { installJsonBody, installRawJsonBody } from './json-body.ts';
import { checkServerOptions, type LightServerOptions } from './options.ts';
import { recoverInterruptedRuns } from './recovery.ts';
import { type RouteSpec, registerRoutes } from './route-spec.ts';
import { artifactRoutes } from './routes/artifacts.ts';
import { cacheRoutes } from './routes/cache.ts';
import { eventRoutes } from './routes/events.ts';
import { hookRoutes } from './routes/hooks.ts';
import { metaRoutes } from './routes/meta.ts';
import { runRoutes } from './routes/runs.ts';
import { scheduleRoutes } from './routes/schedules.ts';
import { uiRoutes } from './routes/ui.ts';
import { workflowRoutes } from './routes/workflows.ts';
import { RunRegistry } from './run-registry.ts';
import { systemClock } from './schedules/clock.ts';
import { CronScheduler } from './schedules/scheduler.ts';
import { webhookSecretNames, withoutSecrets } from './secret-env.ts';
import { installSecurityHeaders } from './security-headers.ts';
import { HistoryStore } from './store/history-store.ts';
import { NodeCacheStore } from './store/node-cache-store.ts';
import { WebhookVerifier } from './webhook-signature.ts';
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
  /** Ids of runs a previous process left queued, queued again at start (oldest first). */
  readonly resumedRuns: readonly string[];
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
  const historyPath = options.dbPath ?? join(dir, '.light', 'history.db');
  const store = HistoryStore.open({
    path: historyPath,
    ...(options.logLinesPerNode !== undefined ? { logLinesPerNode: options.logLinesPerNode } : {}),
    ...(options.retention !== undefined ? { retention: options.retention } : {}),
  });
  // The node cache sits beside the history (its own file: `light cache` opens it alone).
  let cache: NodeCacheStore | undefined;
  try {
    cache = NodeCacheStore.open(
      historyPath === ':memory:' ? ':memory:' : join(dirname(historyPath), 'cache.db'),
    );
    const recoveredRuns = await recoverInterruptedRuns(store, options.runner, app.log);
    store.applyRetention();
    const serverEnv = options.env ?? { source: {}, pass: [] };
    // Webhook secrets are the server's: hidden from every node's env, whatever the allow-list says.
    const secretNames = new Set<string>();
    const env = withoutSecrets(serverEnv, secretNames);
    const catalog = await WorkflowCatalog.load(dir, env, app.log);
    const secrets = options.secrets ?? serverEnv.source;
    const refreshSecrets = () => {
      secretNames.clear();
      for (const name of webhookSecretNames(catalog.list().map((e) => e.definition))) secretNames.add(name);
    };
    refreshSecrets();
    for (const name of secretNames)
      if (!secrets[name])
        app.log.warn(`webhook secret ${name} is not set: calls to its webhook are refused (401)`);
    const runs = new RunRegistry({
      store,
      execute: options.execute ?? executeWorkflow,
      runner: options.runner,
      env,
      logLinesPerNode: options.logLinesPerNode ?? 1000,
      maxConcurrentRuns: options.maxConcurrentRuns,
      log: app.log,
      cache,
    });
    const resumedRuns = runs.resumeQueued((id) => catalog.find(id)?.definition);
    const scheduler = new CronScheduler({
      store,
      clock: options.clock ?? systemClock,
      log: app.log,
      fire: (workflowId, index, input) => {
        const entry = catalog.find(workflowId);
        if (!entry) return;
        try {
          runs.start(entry.definition, input, 'schedule');
        } catch (error) {
          const message = `the schedule triggers[${index}] of '${workflowId}' started no run`;
          // A skip is the workflow's own `onLimit` at work, not a fault: not worth a warning each time.
          if (error instanceof ApiError && error.code === 'CONCURRENCY_LIMIT')
            app.log.info({ err: error }, message);
          else app.log.warn({ err: error }, message);
        }
      },
    });
    const definitions = () => catalog.list().map((e) => e.definition);
    // After the queued runs are back: they were asked for before any fire time missed since.
    scheduler.sync(definitions(), { catchUp: true });
    catalog.onChange(() => {
      refreshSecrets();
      scheduler.sync(definitions());
    });
    const ctx: ServerContext = {
      catalog,
      runs,
      store,
      scheduler,
      verifier: new WebhookVerifier(),
      secret: (name) => secrets[name] || undefined,
      cache,
      runner: options.runner,
      version: packageVersion(),
    };
    const routes: RouteSpec[] = [];
    const hooks = hookRoutes(ctx);
    routes.push(
      ...metaRoutes(ctx, () => routes),
      ...workflowRoutes(ctx),
      ...runRoutes(ctx),
      ...cacheRoutes(ctx),
      ...artifactRoutes(ctx),
      ...eventRoutes(ctx),
      ...scheduleRoutes(ctx),
      ...hooks,
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
    registerRoutes(
      app,
      routes.filter((r) => !hooks.includes(r)),
    );
    // The webhook routes get the raw body (their signature covers the exact bytes): a plugin
    // scopes that parser to them; the hooks above (guard, key check) apply inside it too.
    await app.register(async (raw) => {
      installRawJsonBody(raw);
      registerRoutes(raw, hooks);
    });
    await app.ready();

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        scheduler.stop();
        await runs.close();
        await app.close();
        store.close();
        cache?.close();
      })();
      return closing;
    };
    return {
      app,
      routes,
      registeredRoutes,
      secured: Boolean(options.apiKey),
      recoveredRuns,
      resumedRuns,
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
    cache?.close();
    await app.close();
    throw error;
  }
}
