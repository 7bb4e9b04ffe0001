import { relative } from 'node:path';
import { type Command, Option } from 'commander';
import { initNode, initWorkflow, type ScaffoldOptions } from '../../../files/scaffold.ts';
import { DEFAULT_IMAGES } from '../../../helpers/templates.ts';
import type { HelperLanguage } from '../../../helpers/write-helpers.ts';
import { colors, println } from '../io.ts';

interface InitOptions {
  node?: string;
  lang: HelperLanguage;
  image?: string;
  dir?: string;
}

function shown(path: string): string {
  return relative(process.cwd(), path) || '.';
}

/** Registers `light init [dir] [--lang] [--image]` and `light init --node <name>`. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create a workflow folder with a hello node, or (--node) a node folder')
    .argument('[dir]', 'folder of the new workflow (or, with --node, where the node folder goes)')
    .option('--node <name>', 'create a node folder <name> instead, registered in the nearest workflow.json')
    .addOption(
      new Option('--lang <lang>', 'language of the node code and helper')
        .choices(['js', 'python'])
        .default('js'),
    )
    .option(
      '--image <image>',
      `image of the new node (default: ${DEFAULT_IMAGES.js} for js, ${DEFAULT_IMAGES.python} for python, built by scripts/setup.sh)`,
    )
    .option('--dir <dir>', 'with --node: the folder to create the node in (default: the current folder)')
    .action(async (dir: string | undefined, options: InitOptions) => {
      const c = colors();
      const scaffold: ScaffoldOptions = {
        lang: options.lang,
        ...(options.image === undefined ? {} : { image: options.image }),
      };
      if (options.node) {
        const parent = options.dir ?? dir ?? '.';
        const result = await initNode(parent, options.node, scaffold);
        println(`${c.green('created')} node ${c.bold(options.node)} in ${shown(result.nodeDir)}`);
        if (result.registeredIn) println(`${c.green('registered')} in ${shown(result.registeredIn)}`);
        else println(c.dim('no workflow.json found above it: not registered anywhere'));
        return;
      }
      const target = dir ?? options.dir ?? '.';
      const file = await initWorkflow(target, scaffold);
      println(`${c.green('created')} ${shown(file)} with node ${c.bold('hello')}`);
      println(`run it: light run ${shown(target)} --input '{"name":"Ada"}'`);
    });
}
