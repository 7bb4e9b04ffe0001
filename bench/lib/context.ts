import type Dockerode from 'dockerode';

/** What every section gets from the entry point. */
export interface BenchContext {
  docker: Dockerode;
  /** Measured runs per variant (interleaved rounds). */
  runs: number;
  /** Smaller sizes everywhere, for a smoke run of the harness itself. */
  quick: boolean;
  /** The benchmark's bridge (made like light-runner's default network) for raw-engine runs. */
  network: string;
  /** Progress on stderr. */
  log: (message: string) => void;
}
