import { access, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { nodeDefinition } from '../../../definition/definitions.ts';
import { fileSystemError, UsageError } from '../../../definition/errors.ts';
import { parseFileContent, readJsonFile } from '../../../files/json-file.ts';
import { loadWorkflowFolderWithSources, NODE_FILE, WORKFLOW_FILE } from '../../../files/load-workflow.ts';
import { detectLanguages, type HelperLanguage, writeNodeHelpers } from '../../../helpers/write-helpers.ts';
import { colors, println } from '../io.ts';

/** The JSON Schema of `.node.json`, generated from the zod schema light-process parses it with. */
export function nodeJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(nodeDefinition, { io: 'input' }),
    title: '.node.json',
    description: 'One light-process node: one container run.',
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function refresh(dir: string, lang: HelperLanguage | undefined): Promise<string[]> {
  const file = join(dir, NODE_FILE);
  const node = parseFileContent(nodeDefinition, await readJsonFile(file), file);
  return writeNodeHelpers(dir, node, lang ? [lang] : await detectLanguages(dir, node));
}

/** Registers `light node schema [file]` and `light node helpers [dir] [--lang]`. */
export function registerNode(program: Command): void {
  const node = program
    .command('node')
    .description('node utilities: the .node.json schema, helpers and typed stubs');

  node
    .command('schema')
    .description('print the JSON Schema of .node.json (or write it to a file)')
    .argument('[file]', 'write the schema to this file instead of stdout')
    .action(async (file: string | undefined) => {
      const text = `${JSON.stringify(nodeJsonSchema(), null, 2)}\n`;
      if (!file) {
        println(text.trimEnd());
        return;
      }
      await writeFile(file, text).catch((cause: unknown) => {
        throw fileSystemError('write', file, cause);
      });
      println(`${colors().green('wrote')} ${file}`);
    });

  node
    .command('helpers')
    .description(
      'write or refresh lp.js / lp.py and the typed stubs of a node folder (or of every node of a workflow)',
    )
    .argument('[dir]', 'node folder or workflow folder', '.')
    .addOption(
      new Option('--lang <lang>', 'helper language (default: the ones present, else guessed)').choices([
        'js',
        'python',
      ]),
    )
    .action(async (dir: string, options: { lang?: HelperLanguage }) => {
      const written: string[] = [];
      if (await exists(join(dir, NODE_FILE))) {
        written.push(...(await refresh(dir, options.lang)));
      } else if (await exists(join(dir, WORKFLOW_FILE))) {
        const loaded = await loadWorkflowFolderWithSources(dir);
        for (const nodeFile of Object.values(loaded.nodeFiles))
          written.push(...(await refresh(dirname(nodeFile), options.lang)));
      } else {
        throw new UsageError(
          `${dir}: neither a node folder (${NODE_FILE}) nor a workflow folder (${WORKFLOW_FILE})`,
        );
      }
      for (const path of written) println(`${colors().green('wrote')} ${relative(process.cwd(), path)}`);
    });
}
