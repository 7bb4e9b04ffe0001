import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { WorkflowDefinition } from '../../../definition/definitions.ts';
import { UsageError } from '../../../definition/errors.ts';
import { findWorkflows } from '../../../files/find-workflows.ts';
import { loadWorkflow } from '../../../files/load-workflow.ts';
import { colors, println } from '../io.ts';
import { remoteClient } from './remote.ts';

/** A workflow from a folder or packed file, or by id among the workflows under the current folder. */
async function loadByPathOrId(target: string): Promise<WorkflowDefinition> {
  if (existsSync(target)) return loadWorkflow(target);
  const match = (await findWorkflows('.')).find((w) => w.id === target);
  if (!match)
    throw new UsageError(`'${target}' is neither a workflow folder or file nor the id of a workflow under .`);
  return loadWorkflow(match.path);
}

/** Registers `light push [dir-or-name]`: registers or replaces a workflow on a remote. */
export function registerPush(program: Command): void {
  program
    .command('push')
    .description('register a workflow on a remote light serve (replacing one with the same id)')
    .argument(
      '[dir-or-name]',
      'workflow folder, packed file, or id of a workflow under the current folder',
      '.',
    )
    .option('-r, --remote <name>', 'remote to use (default: the current one)')
    .option('--no-persist', 'keep it in the remote server memory only (not written to its folder)')
    .action(async (target: string, opts: { remote?: string; persist: boolean }) => {
      const definition = await loadByPathOrId(target);
      const { name, client } = await remoteClient(opts.remote);
      const outcome = await client.pushWorkflow(definition, { persist: opts.persist });
      println(`${colors().green(outcome)} ${definition.id} on ${name} (${client.url})`);
    });
}
