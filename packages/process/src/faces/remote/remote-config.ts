import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { fileSystemError, UsageError } from '../../definition/errors.ts';
import { describeIssues, formatIssue } from '../../definition/zod-issues.ts';

const remoteName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'remote names are 1-64 letters, digits, `_`, `.` or `-`');

/** One remote `light serve`: where it is and how its API key is found. */
export const remoteProfile = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    /** Name of the environment variable that holds the key (the key itself is not stored). */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional(),
    /** The key itself, when it was given on stdin (the file is then readable by its owner only). */
    apiKey: z.string().min(1).optional(),
  })
  .strict();
/** A parsed remote profile. */
export type RemoteProfile = z.infer<typeof remoteProfile>;

/** `remotes.json`: every profile and the one in use. */
export const remotesFile = z
  .object({
    current: remoteName.optional(),
    remotes: z.record(remoteName, remoteProfile).default({}),
  })
  .strict();
/** A parsed `remotes.json`. */
export type RemotesFile = z.infer<typeof remotesFile>;

/** Validates a remote name, or throws a usage error that says what a name may hold. */
export function checkRemoteName(name: string): string {
  const parsed = remoteName.safeParse(name);
  if (!parsed.success)
    throw new UsageError(`invalid remote name '${name}': ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/**
 * Where the profiles live: `$XDG_CONFIG_HOME/light-process/remotes.json`, or
 * `~/.config/light-process/remotes.json` when XDG_CONFIG_HOME is unset.
 */
export function remotesPath(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'light-process', 'remotes.json');
}

/** Reads the profiles; a missing file is an empty set. */
export async function readRemotes(path: string): Promise<RemotesFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { remotes: {} };
    throw fileSystemError('read', path, cause);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new UsageError(`${path} is not valid JSON (fix or delete it): ${(cause as Error).message}`, {
      file: path,
    });
  }
  const parsed = remotesFile.safeParse(json);
  if (!parsed.success) {
    const first = describeIssues(parsed.error, json)[0];
    throw new UsageError(`${path}: ${first ? formatIssue(first) : 'invalid'}`, { file: path });
  }
  return parsed.data;
}

/** Writes the profiles atomically, readable and writable by the owner only (mode 0600). */
export async function writeRemotes(path: string, file: RemotesFile): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, path);
  } catch (cause) {
    throw fileSystemError('write', path, cause);
  }
}
