import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { InvalidRequestError } from '../errors.ts';
import { fileTreeProblem, MAX_FILE_MODE } from '../files/file-tree.ts';
import { containerPathProblem, relativePathProblem, resolveContainerPath } from '../files/paths.ts';
import type { FileContent, HostFiles, RunRequest } from '../types.ts';

/** A request that passed validation, with defaults applied. */
export interface ValidRequest {
  id: string;
  image: string;
  files: Record<string, FileContent>;
  entrypoint: string | undefined;
  setup: string[];
  /** JSON bytes for stdin; undefined: stdin stays closed. */
  stdin: Buffer | undefined;
  env: string[];
  workdir: string;
  /** Empty: the runner's default network. */
  networks: string[];
  timeoutMs: number;
  /** Absolute container paths. */
  extract: string[];
  detached: boolean;
  labels: Record<string, string>;
  /** Workdir-relative artifact globs; absent or empty: none. */
  artifacts?: string[];
  /** Host files streamed in before start; absent or empty: none. */
  copyIn?: HostFiles[];
}

const noNul = (s: string) => !s.includes('\0');
const pathCheck = (problemOf: (p: string) => string | undefined) => (path: string, ctx: z.RefinementCtx) => {
  const problem = problemOf(path);
  if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(path)} ${problem}` });
};
const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

const fileSchema = z.union([
  z.string(),
  z
    .object({
      content: z.string(),
      encoding: z.enum(['utf8', 'base64']),
      // Setuid, setgid and sticky bits are accepted here and dropped when the file is written.
      mode: z.number().int().min(0).max(MAX_FILE_MODE).optional(),
    })
    .refine((f) => f.encoding !== 'base64' || (f.content.length % 4 === 0 && base64.test(f.content)), {
      message: 'is not valid base64',
    }),
]);

const requestSchema = z.object({
  image: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[^\s\0]+$/, 'must not contain whitespace'),
  files: z.record(z.string(), fileSchema).optional(),
  entrypoint: z.string().refine(noNul, 'must not contain NUL').optional(),
  setup: z.array(z.string().refine(noNul, 'must not contain NUL')).optional(),
  input: z.unknown().optional(),
  env: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid variable name'),
      z.string().refine(noNul, 'must not contain NUL'),
    )
    .optional(),
  workdir: z
    .string()
    .startsWith('/', 'must be absolute')
    .superRefine(pathCheck(containerPathProblem))
    .optional(),
  networks: z
    .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'is not a valid network name'))
    .refine((n) => !n.includes('none') || n.length === 1, "'none' cannot be combined with other networks")
    .optional(),
  timeoutMs: z.number().int().min(0).optional(),
  extract: z.array(z.string().superRefine(pathCheck(containerPathProblem))).optional(),
  artifacts: z.array(z.string().superRefine(pathCheck(relativePathProblem))).optional(),
  copyIn: z
    .array(
      z.object({
        from: z
          .string()
          .startsWith('/', 'must be an absolute host path')
          .superRefine(pathCheck(containerPathProblem)),
        paths: z.array(z.string().superRefine(pathCheck(relativePathProblem))),
        to: z
          .string()
          .refine(
            (p) => p === '' || relativePathProblem(p) === undefined,
            'must be empty or a relative path without ..',
          ),
      }),
    )
    .optional(),
  detached: z.boolean().optional(),
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/, 'must be 1-63 letters, digits or dashes')
    .optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

/**
 * Validates a request before anything is created: relative file paths without `..`, NUL or
 * over-long segments, naming distinct files, none of them also a directory, within the file
 * and directory caps; container paths without `..`; a JSON-serialisable input.
 * Throws InvalidRequestError naming the field.
 */
export function validateRequest(request: RunRequest): ValidRequest {
  const parsed = requestSchema.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? issue.path.map(String).join('.') || 'request' : 'request';
    throw new InvalidRequestError(field, issue?.message ?? 'invalid');
  }
  const r = parsed.data;
  // Record keys are checked here so the message names the offending key.
  const tree = fileTreeProblem(Object.keys(r.files ?? {}));
  if (tree) {
    const field = tree.key === undefined ? 'files' : `files[${JSON.stringify(tree.key)}]`;
    throw new InvalidRequestError(field, tree.message);
  }
  const workdir = resolveContainerPath(r.workdir ?? '/app', '/');
  let stdin: Buffer | undefined;
  if (r.input !== undefined) {
    let json: string | undefined;
    try {
      json = JSON.stringify(r.input);
    } catch (err) {
      throw new InvalidRequestError('input', `is not JSON-serialisable: ${(err as Error).message}`);
    }
    if (json === undefined) throw new InvalidRequestError('input', 'is not JSON-serialisable');
    stdin = Buffer.from(json, 'utf8');
  }
  return {
    id: r.id ?? randomUUID(),
    image: r.image,
    files: (r.files ?? {}) as Record<string, FileContent>,
    entrypoint: r.entrypoint,
    setup: r.setup ?? [],
    stdin,
    env: Object.entries(r.env ?? {}).map(([k, v]) => `${k}=${v}`),
    workdir,
    networks: r.networks ?? [],
    timeoutMs: r.timeoutMs ?? 0,
    extract: [...new Set((r.extract ?? []).map((p) => resolveContainerPath(p, workdir)))],
    detached: r.detached ?? false,
    labels: r.labels ?? {},
    ...(r.artifacts && r.artifacts.length > 0 ? { artifacts: [...new Set(r.artifacts)] } : {}),
    ...(r.copyIn && r.copyIn.length > 0 ? { copyIn: r.copyIn } : {}),
  };
}
