/**
 * Which kernel-level limits around a container this runner's engine and host actually
 * enforce, as found by probing them (see {@link DockerRunner.enforcement}).
 */
export interface RunnerEnforcement {
  /**
   * How the disk cap (`limits.diskBytes`) holds: `quota` when the engine gives every
   * container a size-limited writable layer (overlay2 on xfs with project quotas), so the
   * total can never pass the cap; `watch` when the runner measures the writable layer on a
   * short poll and kills the container once it reaches the cap (a fast writer can pass
   * it by what it writes between two polls).
   */
  disk: { mode: 'quota' | 'watch'; detail: string };
  /**
   * Whether host firewall rules keep containers on the bridges this runner creates from
   * reaching any address of the host itself.
   */
  hostFirewall: { enforced: boolean; detail: string };
}
