import { resolve } from 'node:path';
import type { Command } from 'commander';
import { saveWorkflowToFolder } from '../../../files/save-workflow.ts';
import { colors, println } from '../io.ts';
import { remoteClient } from './remote.ts';

/** Registers `light pull <id> [-o dir]`: saves a remote workflow as a local folder. */
export function registerPull(program: Command): void {
  program
    .command('pull')
    .description('download a workflow from a remote light serve and save it as a folder')
    .argument('<id>', 'workflow id on the remote')
    .option('-o, --output <dir>', 'folder to write (default: ./<id>)')
    .option('-r, --remote <name>', 'remote to use (default: the current one)')
    .option('--force', 'write into a folder that is not empty')
    .action(async (id: string, opts: { output?: string; remote?: string; force?: boolean }) => {
      const { name, client } = await remoteClient(opts.remote);
      const definition = await client.getWorkflow(id);
      const dir = resolve(opts.output ?? id);
      await saveWorkflowToFolder(definition, dir, { overwrite: opts.force === true });
      println(`${colors().green('pulled')} ${id} from ${name} into ${dir}`);
    });
}
