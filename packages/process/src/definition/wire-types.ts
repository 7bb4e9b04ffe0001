// The one place light-process takes light-run's wire types from. Type-only: a value
// import would load light-run (and the runner below it) into light-process.
import type { RunBody as LightRunBody } from 'light-run';

export type { StopBody } from 'light-run';

/**
 * A `POST /run` body. `lease` ties the run to a lease (`POST /leases`); `service: true`
 * lets a long-running service bypass the run queue. Both are spelled out here so that this
 * side compiles whether or not light-run's schema already lists them.
 */
export type RunBody = LightRunBody & { lease?: string; service?: boolean };
