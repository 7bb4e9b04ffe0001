import { LightProcessError } from '../errors.ts';
import type { WorkflowDefinition } from '../model/definitions.ts';
import { scopedNetworkName, serviceRequest } from './node-request.ts';
import type { StepRunner } from './step-runner.ts';

/** A problem of the tear-down: reported, never thrown, never stopping the remaining steps. */
export interface TeardownError {
  code: string;
  message: string;
}

/**
 * What surrounds the DAG of one run: its run-scoped networks (`lp-<runId>-<alias>`) and its
 * services. `open` creates the networks, then starts the services on them; `close` stops
 * every service first and deletes the networks only after that.
 */
export class RunScope {
  /** networkDef alias -> run-scoped network name. */
  readonly networks = new Map<string, string>();
  /** service id -> its light-run id (= its hostname). */
  readonly services = new Map<string, string>();
  private readonly createdNetworks: string[] = [];

  private constructor(private readonly runner: StepRunner) {}

  /**
   * Creates the networks and starts the services. When a step fails, what was already set
   * up is torn down before the error is thrown (with the tear-down problems in `details`).
   */
  static async open(
    definition: WorkflowDefinition,
    runner: StepRunner,
    runId: string,
    env: Readonly<Record<string, string | undefined>>,
    signal?: AbortSignal,
  ): Promise<RunScope> {
    const scope = new RunScope(runner);
    for (const def of definition.networkDefs)
      scope.networks.set(def.alias, scopedNetworkName(runId, def.alias));
    try {
      for (const def of definition.networkDefs) {
        const name = scopedNetworkName(runId, def.alias);
        await runner.createNetwork(name, def.internal === undefined ? {} : { internal: def.internal });
        scope.createdNetworks.push(name);
      }
      for (const service of definition.services) {
        if (signal?.aborted) break;
        const body = serviceRequest(service, { networks: scope.networks, services: scope.services, env });
        const { id } = await runner.startService(body, signal ? { signal } : {});
        scope.services.set(service.id, id);
      }
    } catch (cause) {
      const teardown = await scope.close();
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new LightProcessError(
        'RUN_SCOPE_FAILED',
        `cannot set up the run's networks and services: ${reason}`,
        {
          cause,
          ...(teardown.length > 0 ? { details: { teardownErrors: teardown } } : {}),
        },
      );
    }
    return scope;
  }

  /** Stops every service, then deletes every network; returns the problems met, in order. */
  async close(): Promise<TeardownError[]> {
    const errors: TeardownError[] = [];
    const services = [...this.services.entries()];
    this.services.clear();
    await Promise.all(
      services.map(async ([serviceId, runId]) => {
        try {
          await this.runner.stopService(runId);
        } catch (cause) {
          errors.push(problem(`cannot stop service "${serviceId}" (run ${runId})`, cause));
        }
      }),
    );
    for (const name of this.createdNetworks.splice(0)) {
      try {
        await this.runner.deleteNetwork(name);
      } catch (cause) {
        errors.push(problem(`cannot delete network ${name}`, cause));
      }
    }
    return errors;
  }
}

function problem(what: string, cause: unknown): TeardownError {
  const code = cause instanceof LightProcessError ? cause.code : 'TEARDOWN_FAILED';
  return { code, message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}` };
}
