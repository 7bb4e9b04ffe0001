import { relative } from 'node:path';
import type { Command } from 'commander';
import { findWorkflows } from '../../../files/find-workflows.ts';
import { colors, printJson, println } from '../io.ts';

/** Registers `light list [dir] [--json]`. */
export function registerList(program: Command): void {
  program
    .command('list')
    .description('list the workflow folders and packed workflow files under a folder')
    .argument('[dir]', 'folder to search', '.')
    .option('--json', 'print the list as JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      const found = await findWorkflows(dir);
      if (options.json) {
        printJson(found);
        return;
      }
      const c = colors();
      if (found.length === 0) {
        println(c.dim(`no workflows under ${dir}`));
        return;
      }
      for (const wf of found) {
        const where = relative(process.cwd(), wf.path) || '.';
        if (wf.error) {
          println(`${c.red('invalid')}  ${where}  ${c.dim(wf.error)}`);
          continue;
        }
        const kind = wf.kind === 'packed' ? ' (packed)' : '';
        println(
          `${c.bold(wf.id ?? '?')}  ${wf.name && wf.name !== wf.id ? `"${wf.name}"  ` : ''}${wf.nodes} node(s), ${wf.links} link(s)  ${c.dim(where + kind)}`,
        );
      }
    });
}
