import { UsageError } from '../../definition/errors.ts';
import type { RemotesFile } from './remote-config.ts';

/** A remote ready to call: its name, URL and key (when it has one). */
export interface ResolvedRemote {
  name: string;
  url: string;
  apiKey?: string;
}

/**
 * Picks the remote to use (`name`, else the current one) and finds its key: stored, or
 * read from the environment variable the profile names.
 */
export function resolveRemote(
  file: RemotesFile,
  name: string | undefined,
  env: Record<string, string | undefined>,
): ResolvedRemote {
  const chosen = name ?? file.current;
  if (!chosen) {
    throw new UsageError(
      'no remote selected: add one with `light remote add <name> <url>` or pass --remote <name>',
    );
  }
  const profile = file.remotes[chosen];
  if (!profile) {
    const known = Object.keys(file.remotes);
    throw new UsageError(
      `no remote named '${chosen}' (known: ${known.length > 0 ? known.join(', ') : 'none'})`,
    );
  }
  let apiKey = profile.apiKey;
  if (profile.apiKeyEnv) {
    apiKey = env[profile.apiKeyEnv];
    if (!apiKey)
      throw new UsageError(
        `remote '${chosen}' takes its API key from $${profile.apiKeyEnv}, which is not set`,
      );
  }
  return { name: chosen, url: profile.url.replace(/\/+$/, ''), ...(apiKey ? { apiKey } : {}) };
}
