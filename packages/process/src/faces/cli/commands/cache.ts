import { join } from 'node:path';
import type { Command } from 'commander';
import { colors, printJson, println } from '../io.ts';
import { STATE_DIR } from '../run-journal.ts';

interface CacheFlags {
  workflow?: string;
  node?: string;
  json?: boolean;
  expired?: boolean;
}

async function openCache() {
  const { NodeCacheStore } = await import('../../server/store/node-cache-store.ts');
  return NodeCacheStore.open(join(STATE_DIR, 'cache.db'));
}

/** Registers `light cache ls` and `light cache clear`: the node cache of `light run` (`.light/cache.db`). */
export function registerCache(program: Command): void {
  const cache = program
    .command('cache')
    .description('the node cache of memoized nodes (cache: { ttl }) in .light/cache.db of this folder');

  cache
    .command('ls')
    .description('list cache entries, newest first (expired ones marked)')
    .option('--workflow <id>', 'only the entries of this workflow')
    .option('--node <id>', 'only the entries of this node')
    .option('--json', 'print the entries as JSON')
    .action(async (flags: CacheFlags) => {
      using store = await openCache();
      const entries = store.list({
        ...(flags.workflow !== undefined ? { workflowId: flags.workflow } : {}),
        ...(flags.node !== undefined ? { nodeId: flags.node } : {}),
      });
      if (flags.json) {
        printJson({ entries });
        return;
      }
      const c = colors();
      if (entries.length === 0) println(c.dim('no cache entries'));
      for (const e of entries) {
        const state = e.expired ? c.dim('expired') : c.green('valid  ');
        println(
          `${state} ${e.workflowId}/${e.nodeId} ${c.dim(e.key.slice(0, 12))} ${e.outputBytes} B, until ${e.expiresAt}`,
        );
      }
    });

  cache
    .command('clear')
    .description('remove cache entries: all of them, or those of --workflow / --node, or only --expired')
    .option('--workflow <id>', 'only the entries of this workflow')
    .option('--node <id>', 'only the entries of this node')
    .option('--expired', 'only the expired entries')
    .option('--json', 'print {deleted} as JSON')
    .action(async (flags: CacheFlags) => {
      using store = await openCache();
      const deleted = store.clear({
        ...(flags.workflow !== undefined ? { workflowId: flags.workflow } : {}),
        ...(flags.node !== undefined ? { nodeId: flags.node } : {}),
        ...(flags.expired ? { expired: true } : {}),
      });
      if (flags.json) printJson({ deleted });
      else println(`${colors().green('cleared')} ${deleted} ${deleted === 1 ? 'entry' : 'entries'}`);
    });
}
