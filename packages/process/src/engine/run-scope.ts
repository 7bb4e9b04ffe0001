import type { WorkflowDefinition } from '../definition/definitions.ts';
import { LightProcessError } from '../definition/errors.ts';
import { scopedNetworkName, serviceRequest } from './node-request.ts';
import type { RunLease, StepRunner } from './step-runner.ts';
import type { TeardownErrorCode } from './types.ts';

/** A problem of the tear-down: reported, never thrown, never stopping the remaining steps. */
export interface TeardownError {
  code: TeardownErrorCode;
  message: string;
}

/**
 * What surrounds the DAG of one run: its lease, its run-scoped networks
 * (`lp-<runId>-<alias>`) and its services. `open` opens the lease (when the runner has
 * leases), creates the networks, then starts the services on them, all tied to the lease;
 * `close` stops every service first, deletes the networks after that, and releases the
 * lease last. A process killed before `close` stops renewing the lease, and light-run
 * removes what the lease holds once it expires.
 */
export class RunScope {
  /** networkDef alias -> run-scoped network name. */
  readonly networks = new Map<string, string>();
  /** service id -> its light-run id (= its hostname). */
  readonly services = new Map<string, string>();
  private readonly createdNetworks: string[] = [];
  private lease: RunLease | undefined;

  private constructor(private readonly runner: StepRunner) {}

  /** The id of the lease every run and network of this run is tied to, when there is one. */
  get leaseId(): string | undefined {
    return this.lease?.id;
  }

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
    // Stopped before anything started: nothing is created, not even the lease.
    if (signal?.aborted) return scope;
    try {
      scope.lease = await runner.openLease?.();
      const lease = scope.lease ? { lease: scope.lease.id } : {};
      for (const def of definition.networkDefs) {
        const name = scopedNetworkName(runId, def.alias);
        const internal = def.internal === undefined ? {} : { internal: def.internal };
        await runner.createNetwork(name, { ...internal, ...lease });
        scope.createdNetworks.push(name);
      }
      for (const service of definition.services) {
        if (signal?.aborted) break;
        const body = serviceRequest(service, { networks: scope.networks, services: scope.services, env });
        const { id } = await runner.startService(body, { ...(signal ? { signal } : {}), ...lease });
        scope.services.set(service.id, id);
      }
    } catch (cause) {
      const teardown = await scope.close(signal?.aborted ? { graceMs: 0 } : {});
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

  /** Stops every service, deletes every network, releases the lease; returns the problems met, in order. */
  async close(options: { graceMs?: number } = {}): Promise<TeardownError[]> {
    const errors: TeardownError[] = [];
    const services = [...this.services.entries()];
    this.services.clear();
    await Promise.all(
      services.map(async ([serviceId, runId]) => {
        try {
          await this.runner.stopService(runId, options);
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
    const lease = this.lease;
    this.lease = undefined;
    try {
      await lease?.release();
    } catch (cause) {
      errors.push(problem(`cannot release lease ${lease?.id}`, cause));
    }
    return errors;
  }
}

function problem(what: string, cause: unknown): TeardownError {
  const code = cause instanceof LightProcessError ? cause.code : 'TEARDOWN_FAILED';
  return { code, message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}` };
}
