import { randomUUID } from 'node:crypto';
import { engineStatus } from '../engine/engine.ts';
import { type PullProgress, pullImage, pullProgressLines } from '../engine/pull-image.ts';
import { ImageUnavailableError } from '../errors.ts';
import { LABELS } from '../labels.ts';
import type { ContainerSource } from '../run/container-source.ts';
import { containerSpec } from '../run/container-spec.ts';
import { quotaBytes } from '../run/disk-watch.ts';
import type { RunContext } from '../run/run-context.ts';
import type { ValidRequest } from '../run/validate-request.ts';
import { refillThreshold } from './engine-work.ts';
import { PARK_COMMAND, POOL_WORKDIR, type PoolEntry } from './pool-entry.ts';
import type { ResolvedWarmPool } from './pool-options.ts';
import { pooledSource } from './pooled-source.ts';

/** Value of the kind label of pooled containers (kept after release: labels cannot change). */
export const POOL_KIND = 'pool';

/**
 * Whether a request can be served by a parked container: its image is pooled, it names
 * no networks (the parked container sits on the default network), no labels (fixed at
 * create), the default workdir, and an entrypoint (the image's own command is replaced by
 * the parking command). The run id is no condition: a caller that wants its own id
 * reserves a container first and runs under the id the reservation answers.
 */
export function poolEligible(req: ValidRequest, images: readonly string[]): boolean {
  return (
    images.includes(req.image) &&
    req.networks.length === 0 &&
    req.workdir === POOL_WORKDIR &&
    req.entrypoint !== undefined &&
    Object.keys(req.labels).length === 0
  );
}

/**
 * Containers started ahead per image, with the spec of a cold run (every security
 * default, the runner's limits, the default network), parked on stdin. reserve() never
 * waits: an empty pool means the cold path. Refills run in the background, one
 * preparation per image at a time, each started only while few runs are busy with the
 * engine (engine-work.ts): runs in flight go first.
 */
export class WarmPool {
  private readonly parked = new Map<string, PoolEntry[]>();
  private readonly refilling = new Map<string, Promise<void>>();
  /** Images whose refill was asked for while their loop ran: checked again when it ends. */
  private readonly refillAgain = new Set<string>();
  /** Containers reserved for a run id (their own), not yet claimed by run(); with when they were reserved. */
  private readonly held = new Map<string, { entry: PoolEntry; at: number }>();
  /** Run ids of containers being prepared or parked: the reaper leaves them alone. */
  private readonly reserved = new Set<string>();
  /** Called (then dropped) each time a container is parked: ready() waits on them. */
  private readonly parkedListeners = new Set<() => void>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** Aborted by close(): a refill waiting for the engine to calm down stops waiting. */
  private readonly closing = new AbortController();
  /** Runs busy with the engine below which a preparation may start. */
  private readonly threshold = refillThreshold();

  constructor(
    private readonly ctx: RunContext,
    readonly config: ResolvedWarmPool,
  ) {
    for (const image of config.images) {
      this.parked.set(image, []);
      this.refill(image);
    }
    this.timer = setInterval(() => this.expireIdle(), Math.max(1_000, Math.floor(config.maxIdleMs / 2)));
    this.timer.unref();
  }

  /** True for a container this pool is preparing or holds parked. */
  owns(runId: string): boolean {
    return this.reserved.has(runId);
  }

  /**
   * Resolves once every image has `minimum` live parked containers, or its refill stopped
   * (a preparation failed), or the pool closed.
   */
  async ready(minimum = this.config.size): Promise<void> {
    while (!this.closed) {
      const short = this.config.images.filter(
        (image) => (this.parked.get(image) ?? []).filter((e) => e.alive).length < minimum,
      );
      const pending = short.flatMap((image) => this.refilling.get(image) ?? []);
      if (pending.length === 0) return;
      await Promise.race([...pending, new Promise<void>((resolve) => this.parkedListeners.add(resolve))]);
    }
  }

  /**
   * Reserves a parked container for an eligible request, or undefined (cold path). Never
   * waits. The container's id (its name, hostname, labels and alias carry it) becomes the
   * run's id: the caller runs the request under it, and {@link claim} hands it over.
   */
  reserve(req: ValidRequest): PoolEntry | undefined {
    if (this.closed || !poolEligible(req, this.config.images)) return undefined;
    // Reservations of runs still queued by the caller: at most `size` of them, so a long
    // queue cannot hoard parked containers (the pool refills past the ones it holds).
    if (this.held.size >= this.config.size) return undefined;
    const list = this.parked.get(req.image) ?? [];
    let entry = list.shift();
    while (entry && !entry.alive) {
      void this.discard(entry);
      entry = list.shift();
    }
    this.refill(req.image);
    if (!entry) return undefined;
    this.held.set(entry.id, { entry, at: Date.now() });
    return entry;
  }

  /** The container reserved under `id`, now owned by its run (the reaper asks the runner's live runs). */
  claim(id: string): PoolEntry | undefined {
    const held = this.held.get(id);
    if (!held) return undefined;
    this.held.delete(id);
    this.reserved.delete(id);
    return held.entry;
  }

  /**
   * Gives back a reservation that will not run. The container ran nothing: it is parked
   * again (or removed when the pool is full, closed, or it died meanwhile). With
   * `discard` it is removed anyway: its id is spent (the caller recorded a run under it,
   * e.g. a queued run cancelled before it started), and no later run may take it.
   */
  unreserve(id: string, discard = false): void {
    const held = this.held.get(id);
    if (!held) return;
    this.held.delete(id);
    const list = this.parked.get(held.entry.image) ?? [];
    if (discard || this.closed || !held.entry.alive || list.length >= this.config.size)
      void this.discard(held.entry);
    else list.push(held.entry);
  }

  /**
   * The source of a claimed container, or undefined when it cannot serve (its image was
   * re-tagged since it was parked, or it died): then it is removed and the run takes the
   * cold path under the same id.
   */
  async sourceFor(entry: PoolEntry, image: string): Promise<ContainerSource | undefined> {
    const current = await this.inspectImage(image).catch(() => undefined);
    if (current === entry.imageId && entry.alive) return pooledSource(entry);
    await this.discard(entry);
    return undefined;
  }

  /** Removes a container that will not be used (stale image, died while parked). */
  discard(entry: PoolEntry): Promise<void> {
    this.reserved.delete(entry.id);
    (entry.stream as unknown as { destroy?: () => void }).destroy?.();
    return this.ctx.engine.remove(entry.containerId).catch((err: unknown) => {
      this.ctx.options.log(
        `light-runner: could not remove pooled container ${entry.containerId}: ${String(err)}`,
      );
    });
  }

  /** Stops refilling and removes every parked container. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    clearInterval(this.timer);
    await Promise.allSettled([...this.refilling.values()]);
    const held = [...this.held.values()].map((h) => h.entry);
    this.held.clear();
    const all = [...this.parked.values()].flatMap((list) => list.splice(0)).concat(held);
    await Promise.all(all.map((entry) => this.discard(entry)));
  }

  /**
   * Starts one background refill loop for the image unless one runs already. A call while
   * a loop is ending (it saw the pool full just before a take) is not lost: the loop
   * checks once more when it ends.
   */
  private refill(image: string): void {
    if (this.closed) return;
    if (this.refilling.has(image)) {
      this.refillAgain.add(image);
      return;
    }
    const loop = (async () => {
      const list = this.parked.get(image) ?? [];
      while (!this.closed && list.filter((e) => e.alive).length < this.config.size) {
        // Runs being set up or torn down go first; the container is for a later run.
        await this.ctx.engineWork.quiet(this.threshold, this.closing.signal);
        if (this.closed) return;
        let entry: PoolEntry;
        try {
          entry = await this.prepare(image);
        } catch (err) {
          // Retried on the next take or idle sweep; never on the request path.
          this.ctx.options.log(`light-runner: warm pool could not prepare ${image}: ${String(err)}`);
          return;
        }
        // Closed meanwhile, or full again (a reservation given back while this one started).
        if (this.closed || list.filter((e) => e.alive).length >= this.config.size) {
          await this.discard(entry);
          return;
        }
        list.push(entry);
        for (const listener of this.parkedListeners) listener();
        this.parkedListeners.clear();
      }
    })().finally(() => {
      this.refilling.delete(image);
      if (this.refillAgain.delete(image)) this.refill(image);
    });
    this.refilling.set(image, loop);
  }

  /** Replaces containers parked longer than maxIdleMs, and ones that died; drops reservations never run. */
  private expireIdle(): void {
    const now = Date.now();
    for (const [id, held] of this.held) {
      if (now - held.at < this.config.maxIdleMs) continue;
      this.held.delete(id);
      void this.discard(held.entry);
    }
    for (const [image, list] of this.parked) {
      const keep = list.filter((e) => e.alive && now - e.parkedAt < this.config.maxIdleMs);
      for (const e of list) if (!keep.includes(e)) void this.discard(e);
      list.splice(0, list.length, ...keep);
      this.refill(image);
    }
  }

  /** Create (pulling on a 404), attach, start: the same spec as a cold run, parked on stdin. */
  private async prepare(image: string): Promise<PoolEntry> {
    const { ctx } = this;
    const id = randomUUID();
    this.reserved.add(id);
    let containerId: string | undefined;
    try {
      await ctx.defaultNetwork.ensure();
      const imageId = await this.imageId(image);
      const spec = containerSpec(
        {
          id,
          image,
          files: {},
          entrypoint: PARK_COMMAND,
          setup: [],
          stdin: Buffer.alloc(0), // opens stdin: AttachStdin, OpenStdin, StdinOnce
          env: [],
          workdir: POOL_WORKDIR,
          networks: [],
          timeoutMs: 0,
          extract: [],
          detached: false,
          labels: {},
        },
        ctx.options,
        ctx.defaultNetwork.name,
        await quotaBytes(ctx, image, this.pullProgress(image)),
      );
      spec.Labels = { ...spec.Labels, [LABELS.kind]: POOL_KIND };
      containerId = await ctx.engine.createContainer(spec);
      const stream = await ctx.engine.attach(containerId, true);
      const entry: PoolEntry = { id, image, imageId, containerId, stream, parkedAt: 0, alive: true };
      const dead = () => {
        entry.alive = false;
      };
      stream.on('error', dead);
      stream.on('end', dead);
      stream.on('close', dead);
      try {
        await ctx.engine.start(containerId);
      } catch (err) {
        if (engineStatus(err) !== 404) throw err;
        // The default network was removed behind our back: recreate it once and retry.
        ctx.defaultNetwork.forget();
        await ctx.defaultNetwork.ensure();
        await ctx.engine.start(containerId);
      }
      entry.parkedAt = Date.now();
      return entry;
    } catch (err) {
      this.reserved.delete(id);
      if (containerId) await ctx.engine.remove(containerId).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Progress of a pull the pool makes ahead of any run: no run log can show it, so its
   * distinct statuses go to the runner's log (light-run's stderr, which all-in-one
   * `light run` prints), and every event to `onPullProgress`.
   */
  private pullProgress(image: string): (event: PullProgress) => void {
    return pullProgressLines(image, this.ctx.options.log, this.ctx.options.onPullProgress);
  }

  /** The image's ID, pulling it first when it is not present. */
  private async imageId(image: string): Promise<string> {
    const found = await this.inspectImage(image);
    if (found) return found;
    await pullImage(this.ctx.engine, image, this.pullProgress(image));
    const pulled = await this.inspectImage(image);
    if (!pulled) throw new ImageUnavailableError(image, 'it is missing after the pull');
    return pulled;
  }

  /** The image's current ID, or undefined when it is not present. */
  async inspectImage(image: string): Promise<string | undefined> {
    const info = await this.ctx.engine.callOrMissing('inspect image', () =>
      this.ctx.engine.docker.getImage(image).inspect(),
    );
    return info?.Id;
  }
}
