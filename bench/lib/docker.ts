import { Readable } from 'node:stream';
import Dockerode from 'dockerode';
import * as tar from 'tar-stream';

/** Labels on everything the benchmark itself creates (the leak check filters on `managed`). */
export const BENCH_LABELS = {
  'dev.light.managed': 'true',
  'dev.light.owner': 'bench',
  'dev.light.kind': 'run',
} as const;

/**
 * The hardening light-runner applies to every container by default (its container-spec.ts),
 * repeated here so the raw-engine baseline pays the same engine-side costs.
 */
export const HARDENED_HOST_CONFIG: Dockerode.HostConfig = {
  CapDrop: ['NET_RAW', 'MKNOD', 'SYS_CHROOT', 'SETPCAP', 'SETFCAP', 'AUDIT_WRITE'],
  SecurityOpt: ['no-new-privileges'],
  PidsLimit: 100,
  Memory: 512 * 1024 * 1024,
  MemorySwap: 512 * 1024 * 1024,
  NanoCpus: 1_000_000_000,
  Privileged: false,
};

/** The benchmark's own bridge, made like light-runner's default one (inter-container traffic off). */
export const BENCH_NETWORK = 'light-bench-isolated';

/** Creates {@link BENCH_NETWORK} (labelled) and returns a disposable that removes it. */
export async function benchNetwork(docker: Dockerode): Promise<AsyncDisposable & { name: string }> {
  const existing = await docker.listNetworks({ filters: JSON.stringify({ name: [BENCH_NETWORK] }) });
  if (!existing.some((n) => n.Name === BENCH_NETWORK)) {
    await docker.createNetwork({
      Name: BENCH_NETWORK,
      Driver: 'bridge',
      Options: { 'com.docker.network.bridge.enable_icc': 'false' },
      Labels: { ...BENCH_LABELS, 'dev.light.kind': 'network' },
    });
  }
  return {
    name: BENCH_NETWORK,
    [Symbol.asyncDispose]: async () => {
      await docker.getNetwork(BENCH_NETWORK).remove();
    },
  };
}

/** One dockerode client for the whole benchmark (default socket). */
export function dockerClient(): Dockerode {
  return new Dockerode();
}

/** A tar archive holding `files` (name -> UTF-8 content), as a buffer for putArchive. */
export async function packFiles(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The content of the first regular file in a tar stream (what getArchive of one file returns). */
export async function readFirstFile(stream: NodeJS.ReadableStream): Promise<string> {
  const extract = tar.extract();
  const source = stream instanceof Readable ? stream : Readable.from(stream as AsyncIterable<Buffer>);
  source.pipe(extract);
  let text: string | undefined;
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
    if (text === undefined && entry.header.type === 'file') text = Buffer.concat(chunks).toString('utf8');
  }
  if (text === undefined) throw new Error('archive held no regular file');
  return text;
}

/** Force-removes every container the benchmark labelled (owner `bench`); returns how many. */
export async function removeBenchContainers(docker: Dockerode): Promise<number> {
  const filters = JSON.stringify({ label: ['dev.light.owner=bench'] });
  const found = await docker.listContainers({ all: true, filters });
  await Promise.all(found.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  return found.length;
}
