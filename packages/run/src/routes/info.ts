import { DEFAULT_MAX_EXTRACT_BYTES } from 'light-runner';
import { type InfoState, infoState } from '../api/schemas.ts';
import type { ServerContext } from '../server/context.ts';
import { defineRoute, type RouteSpec } from '../server/route-spec.ts';
import { VERSION } from '../version.ts';

/**
 * `GET /info` (behind the token): the settings this instance applies to every run, with
 * the runner's defaults filled in, and what the host enforces. `light doctor` prints it.
 */
export function infoRoutes(ctx: ServerContext): RouteSpec[] {
  const handler = async (): Promise<InfoState> => {
    const { options } = ctx;
    const settings = ctx.runnerSettings();
    const enforcement = await ctx.enforcement();
    const body: InfoState = {
      version: VERSION,
      backend: options.backend,
      ...(ctx.cluster ? { swarm: await ctx.cluster() } : {}),
      maxConcurrent: options.maxConcurrent,
      maxServices: options.maxServices,
      keepRuns: options.keepRuns,
      keepForMs: options.keepForMs,
      allowNetworks: [...options.allowNetworks],
      allowedHosts: [...options.allowedHosts],
      limits: { ...settings.limits },
      runtime: settings.runtime ?? null,
      gpus: settings.gpus ?? null,
      bodyLimitBytes: options.bodyLimitBytes,
      maxExtractBytes: options.maxExtractBytes ?? DEFAULT_MAX_EXTRACT_BYTES,
      artifactStoreBytes: options.artifactStoreBytes,
      warmPool: settings.warmPool
        ? { images: [...settings.warmPool.images], size: settings.warmPool.size }
        : null,
      enforcement: {
        disk: { mode: enforcement.disk.mode, detail: enforcement.disk.detail },
        hostFirewall: {
          enforced: enforcement.hostFirewall.enforced,
          detail: enforcement.hostFirewall.detail,
        },
      },
    };
    return body;
  };
  return [
    defineRoute({
      method: 'GET',
      url: '/info',
      operationId: 'info',
      summary: 'The settings applied to every run, defaults included, and what the host enforces',
      tag: 'meta',
      responses: { 200: { description: 'the settings', schema: infoState } },
      handler,
    }),
  ];
}
