import { EngineUnreachableError, ImageUnavailableError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { detailOf, isUnreachable } from './errors.ts';

/** One progress message of an image pull. */
export interface PullProgress {
  image: string;
  status: string;
  progress?: string;
}

interface PullMessage {
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Pulls `image`, reporting each progress message. Any failure (registry unreachable,
 * unknown repository, error inside the progress stream) becomes ImageUnavailableError
 * naming the image and the engine's reason.
 */
export async function pullImage(
  engine: Engine,
  image: string,
  onProgress?: (event: PullProgress) => void,
): Promise<void> {
  const modem = engine.docker.modem;
  let stream: NodeJS.ReadableStream;
  try {
    stream = await engine.docker.pull(image);
  } catch (err) {
    if (isUnreachable(err)) throw new EngineUnreachableError(engine.endpoint, err);
    throw new ImageUnavailableError(image, detailOf(err), err);
  }
  const messages = await new Promise<PullMessage[]>((resolve, reject) => {
    modem.followProgress(
      stream,
      (err: unknown, output: PullMessage[]) => (err ? reject(err) : resolve(output)),
      (message: PullMessage) => {
        if (message.status && onProgress) {
          const event: PullProgress = {
            image,
            status: message.id ? `${message.id}: ${message.status}` : message.status,
          };
          if (message.progress) event.progress = message.progress;
          onProgress(event);
        }
      },
    );
  }).catch((err: unknown) => {
    throw new ImageUnavailableError(image, detailOf(err), err);
  });
  const failed = messages.find((m) => m.error !== undefined || m.errorDetail !== undefined);
  if (failed)
    throw new ImageUnavailableError(image, failed.errorDetail?.message ?? failed.error ?? 'pull failed');
}

/**
 * A progress handler that reports each distinct pull status once (one line per layer and
 * step, not one per progress tick) as `light-runner: pulling <image>: <status>`, so a run's
 * log shows its pull; every event also goes to `forward`.
 */
export function pullProgressLines(
  image: string,
  emit: (line: string) => void,
  forward?: (event: PullProgress) => void,
): (event: PullProgress) => void {
  const seen = new Set<string>();
  return (event) => {
    forward?.(event);
    if (seen.has(event.status)) return;
    seen.add(event.status);
    emit(`light-runner: pulling ${image}: ${event.status}`);
  };
}
