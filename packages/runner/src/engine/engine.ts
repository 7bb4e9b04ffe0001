import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { LightRunnerError } from '../errors.ts';
import { statusOf, toEngineError } from './errors.ts';

/** Measurements of a layer's size before giving up on an engine that answers -1. */
const SIZE_ATTEMPTS = 5;
const SIZE_RETRY_MS = 100;

/** How a container ended, as the engine's wait endpoint reports it. */
export interface ContainerExit {
  exitCode: number;
}

/** Label filters in the engine's `key=value` form. */
export type LabelFilters = string[];

/** The HTTP status an engine error carried, if it came from {@link Engine}. */
export function engineStatus(err: unknown): number | undefined {
  return err instanceof LightRunnerError ? err.subject.statusCode : undefined;
}

/**
 * The one adapter that owns dockerode. Every engine call goes through it and leaves it
 * either as a plain value or as a typed {@link LightRunnerError} (status code kept in
 * `subject.statusCode`); "not found" is returned as `undefined`/`false` where that is a
 * normal answer.
 */
export class Engine {
  /** Socket path or host the client talks to, for error messages. */
  readonly endpoint: string;
  /** Whether the engine is reached over a unix socket of this host (not over TCP). */
  readonly local: boolean;

  constructor(readonly docker: Dockerode) {
    const modem = docker.modem as { socketPath?: unknown; host?: string; port?: number | string };
    // Without DOCKER_HOST, docker-modem holds a function that finds the default socket.
    this.local = typeof modem.socketPath === 'string' || typeof modem.socketPath === 'function';
    this.endpoint =
      typeof modem.socketPath === 'string'
        ? modem.socketPath
        : typeof modem.socketPath === 'function'
          ? 'the default Docker socket (/var/run/docker.sock)'
          : `${modem.host ?? 'localhost'}${modem.port ? `:${modem.port}` : ''}`;
  }

  /** Runs one engine call and maps its failure. */
  async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toEngineError(err, action, this.endpoint);
    }
  }

  /** Like {@link call}, but a 404 answer yields `undefined`. */
  async callOrMissing<T>(action: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw toEngineError(err, action, this.endpoint);
    }
  }

  /** Engine version string. */
  async version(): Promise<string> {
    const info = await this.call('version', () => this.docker.version());
    return info.Version;
  }

  /** The engine's system info (storage driver and its status among it). */
  async info(): Promise<{ Driver: string; DriverStatus?: [string, string][] }> {
    return this.call('info', () => this.docker.info());
  }

  /** The id of the smallest local image, or undefined when there is none. */
  async anyLocalImage(): Promise<string | undefined> {
    const images = await this.call('list images', () => this.docker.listImages());
    return images.sort((a, b) => a.Size - b.Size)[0]?.Id;
  }

  /** Creates a container and returns its id. */
  async createContainer(spec: Dockerode.ContainerCreateOptions): Promise<string> {
    const container = await this.call('create container', () => this.docker.createContainer(spec));
    return container.id;
  }

  /** Connects a created container to a network, with DNS aliases. */
  async connectNetwork(network: string, containerId: string, aliases: string[]): Promise<void> {
    await this.call(`connect to network ${network}`, () =>
      this.docker
        .getNetwork(network)
        .connect({ Container: containerId, EndpointConfig: { Aliases: aliases } }),
    );
  }

  /**
   * Attaches to stdout/stderr (and stdin when `stdin`) over an upgraded connection, as the
   * docker CLI does: a raw socket of its own, outside the HTTP agent's keep-alive pool.
   */
  async attach(id: string, stdin: boolean): Promise<NodeJS.ReadWriteStream> {
    const options = { stream: true, stdout: true, stderr: true, stdin, hijack: true };
    return this.call('attach', () => this.docker.getContainer(id).attach(options));
  }

  /** Starts a created container. */
  async start(id: string): Promise<void> {
    await this.call('start container', () => this.docker.getContainer(id).start());
  }

  /**
   * Waits for the container to stop. `next-exit` may be issued before start (so wait and
   * start overlap); `not-running` answers at once for a container that already stopped.
   */
  async wait(id: string, condition: 'next-exit' | 'not-running' | 'removed'): Promise<ContainerExit> {
    const body = await this.call('wait', () => this.docker.getContainer(id).wait({ condition }));
    return { exitCode: Number((body as { StatusCode?: number }).StatusCode ?? -1) };
  }

  /** Full container state, or undefined when it is gone. */
  async inspect(id: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
    return this.callOrMissing('inspect container', () => this.docker.getContainer(id).inspect());
  }

  /** Bytes in the container's writable layer (what it wrote to its filesystem); undefined when it is gone. */
  async writableBytes(id: string): Promise<number | undefined> {
    for (let attempt = 1; ; attempt++) {
      const info = await this.callOrMissing('inspect container size', () =>
        // `size` is a query option of the endpoint that the typings do not list.
        this.docker.getContainer(id).inspect({ size: true } as Dockerode.ContainerInspectOptions),
      );
      if (!info) return undefined;
      const bytes = Number((info as { SizeRw?: number }).SizeRw ?? 0);
      // -1: the engine could not measure the layer. Often passing; on btrfs it lasts while the
      // layer is at its quota (the driver's measurement itself fails with EDQUOT).
      if (bytes >= 0 || attempt === SIZE_ATTEMPTS) return bytes;
      await new Promise((resolve) => setTimeout(resolve, SIZE_RETRY_MS));
    }
  }

  /** Every network whose name is exactly `name` (the engine's name filter matches substrings). */
  async networksNamed(name: string): Promise<Dockerode.NetworkInspectInfo[]> {
    const filters = JSON.stringify({ name: [name] });
    const found = await this.call('list networks', () => this.docker.listNetworks({ filters }));
    return found.filter((n) => n.Name === name);
  }

  /** Sends a signal; false when the container is not running (409) or gone (404). */
  async kill(id: string, signal: string): Promise<boolean> {
    try {
      await this.docker.getContainer(id).kill({ signal });
      return true;
    } catch (err) {
      const status = statusOf(err);
      if (status === 404 || status === 409) return false;
      throw toEngineError(err, `kill ${signal}`, this.endpoint);
    }
  }

  /** Freezes every process of the container. */
  async pause(id: string): Promise<void> {
    await this.call('pause', () => this.docker.getContainer(id).pause());
  }

  /** Thaws a paused container. */
  async unpause(id: string): Promise<void> {
    await this.call('unpause', () => this.docker.getContainer(id).unpause());
  }

  /** Force-removes a container; a container already gone is fine. */
  async remove(id: string): Promise<void> {
    await this.callOrMissing('remove container', () =>
      this.docker.getContainer(id).remove({ force: true, v: true }),
    );
  }

  /**
   * Uploads a tar archive (a buffer, or a stream read as it is sent) and extracts it at
   * `path` inside the container. A stream is destroyed once the upload settled either way.
   */
  async putArchive(id: string, path: string, tar: Buffer | Readable): Promise<void> {
    try {
      await this.call('upload archive', () => this.docker.getContainer(id).putArchive(tar, { path }));
    } finally {
      if (!Buffer.isBuffer(tar)) tar.destroy();
    }
  }

  /** Downloads `path` as a tar stream; undefined when the path does not exist. */
  async getArchive(id: string, path: string): Promise<Readable | undefined> {
    const stream = await this.callOrMissing('download archive', () =>
      this.docker.getContainer(id).getArchive({ path }),
    );
    return stream as Readable | undefined;
  }

  /** Follows the multiplexed log stream from the container's start until it stops. */
  async followLogs(id: string): Promise<Readable> {
    const options = { follow: true as const, stdout: true, stderr: true };
    const stream = await this.call('follow logs', () => this.docker.getContainer(id).logs(options));
    return stream as unknown as Readable;
  }

  /** Containers (running or not) carrying all the labels. */
  async listContainers(labels: LabelFilters): Promise<Dockerode.ContainerInfo[]> {
    const filters = JSON.stringify({ label: labels });
    return this.call('list containers', () => this.docker.listContainers({ all: true, filters }));
  }

  /** Networks carrying all the labels. */
  async listNetworks(labels: LabelFilters): Promise<Dockerode.NetworkInspectInfo[]> {
    const filters = JSON.stringify({ label: labels });
    return this.call('list networks', () => this.docker.listNetworks({ filters }));
  }

  /** Creates a network; false when one of that name exists already (409). */
  async createNetwork(spec: Dockerode.NetworkCreateOptions): Promise<boolean> {
    try {
      await this.docker.createNetwork({ CheckDuplicate: true, ...spec });
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false;
      throw toEngineError(err, `create network ${spec.Name}`, this.endpoint);
    }
  }

  /** A network's details, or undefined when there is none of that name. */
  async inspectNetwork(name: string): Promise<Dockerode.NetworkInspectInfo | undefined> {
    return this.callOrMissing(`inspect network ${name}`, () => this.docker.getNetwork(name).inspect());
  }

  /** Removes a network; errors keep their status for the caller to interpret. */
  async removeNetwork(name: string): Promise<void> {
    await this.call(`remove network ${name}`, () => this.docker.getNetwork(name).remove());
  }
}
