import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { tempDir } from './temp.ts';

/** Debian's registry binary (package `docker-registry`, installed by scripts/setup.sh). */
export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** A registry (Docker distribution) serving on 127.0.0.1, with its own temp storage. */
export interface LocalRegistry extends AsyncDisposable {
  /** `127.0.0.1:<port>`: the engine pulls from 127.0.0.0/8 over plain HTTP without configuration. */
  host: string;
  /** The registry process. */
  child: ChildProcess;
  /** Its storage and config dir (removed on dispose). */
  dir: string;
  /**
   * Makes a new image from `base` with one layer of its own (a file `/marker` holding a fresh
   * id, so a pull must download it), pushes it as `<host>/<repository>:<tag>` and removes it
   * from the engine again. Returns the reference and the marker.
   */
  pushFrom(base: string, repository: string, tag: string): Promise<{ reference: string; marker: string }>;
  /** Names of the containers (any state) created from `reference`. */
  containersUsing(reference: string): Promise<string[]>;
  /** Removes `reference` from the engine if present (a pulled image), keeping images it shares layers with. */
  forget(reference: string): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Reads a pull/push progress stream to its end; rejects on an error message inside it. */
async function follow(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<void> {
  const messages = await new Promise<{ error?: string }[]>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) =>
      err ? reject(err) : resolve(out),
    ),
  );
  const failed = messages.find((m) => m.error !== undefined);
  if (failed) throw new Error(`registry operation failed: ${failed.error}`);
}

/**
 * Starts `docker-registry serve` on a free port of 127.0.0.1 with a temp storage dir and its
 * own config file (not the system service), and waits until `GET /v2/` answers. Disposing
 * removes every image it pushed or that was pulled from it, stops it and deletes its storage.
 */
export async function startRegistry(docker = new Dockerode()): Promise<LocalRegistry> {
  const dir = tempDir('registry');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir.path, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir.path, 'data')}`,
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n'),
  );
  const child = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8192);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const references = new Set<string>();

  const forget = async (reference: string) => {
    await docker
      .getImage(reference)
      .remove({ noprune: false })
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
  };
  const stop = async () => {
    for (const reference of references) await forget(reference);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
      await exited;
    }
    dir[Symbol.dispose]();
  };

  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited at start: ${stderr}`);
      const ok = await fetch(`http://${host}/v2/`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${host}: ${stderr}`);
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    host,
    child,
    dir: dir.path,
    forget,
    async containersUsing(reference) {
      const found = await docker.listContainers({
        all: true,
        filters: JSON.stringify({ ancestor: [reference] }),
      });
      return found.map((c) => c.Names[0] ?? c.Id);
    },
    async pushFrom(base, repository, tag) {
      const reference = `${host}/${repository}:${tag}`;
      const marker = randomUUID();
      references.add(reference);
      const container = await docker.createContainer({
        Image: base,
        Entrypoint: ['/bin/sh', '-c'],
        Cmd: [`echo ${marker} > /marker`],
        NetworkDisabled: true,
      });
      try {
        await container.start();
        await container.wait();
        await container.commit({ repo: `${host}/${repository}`, tag });
      } finally {
        await container.remove({ force: true });
      }
      // The engine requires an X-Registry-Auth header on a push, even an anonymous one.
      await follow(docker, await docker.getImage(reference).push({ authconfig: { serveraddress: host } }));
      await forget(reference);
      return { reference, marker };
    },
    [Symbol.asyncDispose]: stop,
  };
}
