import type { EngineEvent } from './events.ts';

/**
 * Most containers at once between two of their events: `start`..`die` (processes running)
 * or `create`..`destroy` (lifecycles in flight).
 */
export function peakRunning(
  containers: Iterable<readonly EngineEvent[]>,
  from = 'start',
  to = 'die',
): number {
  const edges: [number, number][] = [];
  for (const events of containers) {
    const start = events.find((e) => e.action === from);
    const die = events.find((e) => e.action === to);
    if (!start || !die) continue;
    edges.push([start.timeMs, 1], [die.timeMs, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of edges) {
    now += d;
    peak = Math.max(peak, now);
  }
  return peak;
}
