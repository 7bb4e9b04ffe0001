import { resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { hasVersionControl, packWorkflow, removePath, unpackWorkflow } from '../../../files/pack.ts';
import { colors, eprintln, println } from '../io.ts';
import { bytesOption } from '../options.ts';

interface PackOptions {
  output?: string;
  keep?: boolean;
  maxNodeBytes?: number;
}

/** Registers `light pack <dir>` and `light unpack <file>`. */
export function registerPack(program: Command): void {
  program
    .command('pack')
    .description('pack a workflow folder into one JSON file (the folder is deleted unless --keep)')
    .argument('<dir>', 'workflow folder')
    .option('-o, --output <file>', 'output file (default: <dir>.json)')
    .option('--keep', 'keep the workflow folder')
    .option('--max-node-bytes <size>', "size limit of one node's files (e.g. 20m)", bytesOption)
    .action(async (dir: string, options: PackOptions) => {
      const c = colors();
      const file = await packWorkflow(dir, options.output, {
        ...(options.maxNodeBytes !== undefined ? { maxNodeBytes: options.maxNodeBytes } : {}),
      });
      println(`${c.green('packed')} ${dir} -> ${file}`);
      if (options.keep) return;
      const full = resolve(dir);
      if (process.cwd() === full || process.cwd().startsWith(`${full}${sep}`)) {
        eprintln(c.yellow(`kept ${dir}: it is (or contains) the current folder`));
        return;
      }
      if (await hasVersionControl(dir)) {
        eprintln(c.yellow(`kept ${dir}: it holds version-control data; delete it yourself if you mean to`));
        return;
      }
      await removePath(dir);
      println(`${c.dim('removed')} ${dir} (use --keep to keep it)`);
    });

  program
    .command('unpack')
    .description('unpack a packed workflow file into a folder (the file is deleted unless --keep)')
    .argument('<file>', 'packed workflow file')
    .option('-o, --output <dir>', 'output folder (default: the file name without .json)')
    .option('--keep', 'keep the packed file')
    .option('--force', 'write into a folder that is not empty')
    .action(async (file: string, options: { output?: string; keep?: boolean; force?: boolean }) => {
      const c = colors();
      const dir = await unpackWorkflow(file, options.output, { overwrite: Boolean(options.force) });
      println(`${c.green('unpacked')} ${file} -> ${dir}`);
      if (options.keep) return;
      await removePath(file);
      println(`${c.dim('removed')} ${file} (use --keep to keep it)`);
    });
}
