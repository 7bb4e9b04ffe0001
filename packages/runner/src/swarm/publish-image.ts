import type Dockerode from 'dockerode';
import { ImageUnavailableError } from '../errors.ts';

/** `localhost/light-sh` -> `light-sh:latest`; `a/b:1` -> `a/b:1` (the registry host dropped). */
export function repositoryPath(image: string): string {
  const [first, ...rest] = image.split('/');
  const hasHost =
    rest.length > 0 &&
    first !== undefined &&
    (first.includes('.') || first.includes(':') || first === 'localhost');
  const path = hasHost ? rest.join('/') : image;
  const last = path.split('/').pop() ?? path;
  return last.includes(':') || last.includes('@') ? path : `${path}:latest`;
}

/**
 * Makes an image of the manager's engine pullable by every node: tags it
 * `<registry>/<path>` and pushes it. An image the manager does not hold is left as named
 * (each node pulls it from its own registry). Answers the reference the service uses.
 */
export async function publishImage(docker: Dockerode, image: string, registry: string): Promise<string> {
  const local = await docker
    .getImage(image)
    .inspect()
    .catch(() => undefined);
  if (!local) return image;
  const target = `${registry}/${repositoryPath(image)}`;
  const colon = target.lastIndexOf(':');
  const repo = target.slice(0, colon);
  const tag = target.slice(colon + 1);
  await docker.getImage(image).tag({ repo, tag });
  // The engine wants an auth header even for a registry without auth.
  const stream = await docker.getImage(target).push({ authconfig: { serveraddress: registry } });
  const failure = await new Promise<string | undefined>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, events: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
        if (err) reject(err);
        const bad = events?.find((e) => e.error);
        resolve(bad ? (bad.errorDetail?.message ?? bad.error) : undefined);
      },
    );
  });
  if (failure)
    throw new ImageUnavailableError(
      image,
      `pushing it to the swarm's registry ${registry} failed: ${failure}`,
    );
  return target;
}
