/** Labels the runner puts on every container and network it creates. The reaper and the
 * test suite's leak check filter on them, and on nothing else. */
export const LABELS = {
  /** Present (value `true`) on everything light-runner creates. */
  managed: 'dev.light.managed',
  /** The run id a container belongs to. */
  runId: 'dev.light.run-id',
  /** Who asked for it (e.g. a light-run instance or a light-process run), free text. */
  owner: 'dev.light.owner',
  /** `run` for run containers, `network` for networks created through the network helpers, `probe` for the disk quota probe's short-lived container. */
  kind: 'dev.light.kind',
} as const;

/** Docker filter that selects everything light-runner manages. */
export const MANAGED_FILTER = `${LABELS.managed}=true`;
