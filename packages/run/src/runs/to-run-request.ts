import type { HostFiles, RunRequest } from 'light-runner';
import type { z } from 'zod';
import type { runBody } from '../api/schemas.ts';

/** A `POST /run` body after validation (defaults applied). */
export type ParsedRunBody = z.output<typeof runBody>;

/**
 * Translates a validated `POST /run` body into the runner's request for run `id` (no id:
 * the runner's choice), with the host files its `upload` and `mounts` resolved to.
 */
export function toRunRequest(
  id: string | undefined,
  body: ParsedRunBody,
  copyIn: HostFiles[] = [],
): RunRequest {
  const request: RunRequest = {
    ...(id !== undefined ? { id } : {}),
    image: body.image,
    files: body.files,
    // Detached runs must be re-attachable by the next light-run process, so the runner persists them.
    detached: body.detached === true || body.service === true,
  };
  if (body.entrypoint !== undefined) request.entrypoint = body.entrypoint;
  if (body.setup !== undefined) request.setup = typeof body.setup === 'string' ? [body.setup] : body.setup;
  if (body.input !== undefined) request.input = body.input;
  if (body.env !== undefined) request.env = body.env;
  if (body.workdir !== undefined) request.workdir = body.workdir;
  if (body.networks !== undefined) request.networks = body.networks;
  if (body.timeout !== undefined) request.timeoutMs = body.timeout;
  if (body.extract !== undefined) request.extract = body.extract;
  if (body.artifacts !== undefined && body.artifacts.length > 0) request.artifacts = body.artifacts;
  if (copyIn.length > 0) request.copyIn = copyIn;
  return request;
}
