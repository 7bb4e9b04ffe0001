import type { Command } from 'commander';
import { describeWorkflow, entryNodes, toMermaid } from '../../../definition/describe.ts';
import { triggerViews } from '../../../definition/triggers/trigger-view.ts';
import { loadWorkflow } from '../../../files/load-workflow.ts';
import { printJson, println } from '../io.ts';

interface DescribeOptions {
  mermaid?: boolean;
  json?: boolean;
}

/** Registers `light describe [path] [--mermaid] [--json]`. */
export function registerDescribe(program: Command): void {
  program
    .command('describe')
    .description(
      'summarise a workflow: nodes, links, conditions, triggers and next fire times; --mermaid for a flowchart',
    )
    .argument('[path]', 'workflow folder, workflow.json or packed file', '.')
    .option('--mermaid', 'print a Mermaid flowchart (conditions on the link labels) instead of text')
    .option('--json', 'print the summary as JSON (nodes, links, entry nodes, triggers, concurrency, mermaid)')
    .action(async (path: string, options: DescribeOptions) => {
      const def = await loadWorkflow(path);
      if (options.json) {
        printJson({
          id: def.id,
          name: def.name ?? def.id,
          nodes: def.nodes.map(({ files, ...n }) => ({ ...n, files: Object.keys(files ?? {}) })),
          links: def.links,
          entryNodes: entryNodes(def),
          networkDefs: def.networkDefs,
          services: def.services.map(({ files: _files, ...s }) => s),
          triggers: triggerViews(def, new Date()),
          concurrency: def.concurrency ?? null,
          mermaid: toMermaid(def),
        });
        return;
      }
      println(options.mermaid ? toMermaid(def) : describeWorkflow(def));
    });
}
