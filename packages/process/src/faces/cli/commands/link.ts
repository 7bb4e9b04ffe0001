import type { Command } from 'commander';
import { conditionLabel } from '../../../definition/conditions/condition-label.ts';
import type { LinkDefinition } from '../../../definition/definitions.ts';
import { UsageError } from '../../../definition/errors.ts';
import { editLinks } from '../../../files/edit-links.ts';
import { colors, println } from '../io.ts';
import { jsonObjectOption, positiveIntOption } from '../options.ts';

interface LinkOptions {
  from: string;
  to: string;
  when?: Record<string, unknown>;
  data?: Record<string, unknown>;
  maxIterations?: number;
  remove?: boolean;
}

/** Registers `light link <path> --from a --to b [--when json] [--data json] [--max-iterations n] [--remove]`. */
export function registerLink(program: Command): void {
  program
    .command('link')
    .description('add (or replace) the link from -> to of a workflow, or remove it with --remove')
    .argument('<path>', 'workflow folder, workflow.json or packed file')
    .requiredOption('--from <node>', 'source node id')
    .requiredOption('--to <node>', 'target node id')
    .option(
      '--when <json>',
      'condition on the source output, e.g. \'{"score":{"gte":0.5}}\'',
      jsonObjectOption,
    )
    .option('--data <json>', 'object merged on top of the source output', jsonObjectOption)
    .option('--max-iterations <n>', 'bound of a back-link that closes a cycle', positiveIntOption)
    .option('--remove', 'remove the links from -> to instead')
    .action(async (path: string, options: LinkOptions) => {
      const c = colors();
      const same = (l: LinkDefinition) => l.from === options.from && l.to === options.to;
      if (options.remove) {
        if (options.when || options.data || options.maxIterations) {
          throw new UsageError('--remove takes no --when, --data or --max-iterations');
        }
        await editLinks(path, (links) => {
          if (!links.some(same)) throw new UsageError(`no link ${options.from} -> ${options.to} to remove`);
          return links.filter((l) => !same(l));
        });
        println(`${c.green('removed')} link ${options.from} -> ${options.to}`);
        return;
      }
      const link: LinkDefinition = {
        from: options.from,
        to: options.to,
        ...(options.when ? { when: options.when } : {}),
        ...(options.data ? { data: options.data } : {}),
        ...(options.maxIterations ? { maxIterations: options.maxIterations } : {}),
      };
      let replaced = false;
      await editLinks(path, (links) => {
        const index = links.findIndex(same);
        replaced = index >= 0;
        if (!replaced) return [...links, link];
        return links.map((l, i) => (i === index ? link : l));
      });
      const label = conditionLabel(link.when);
      println(
        `${c.green(replaced ? 'updated' : 'added')} link ${link.from} -> ${link.to}${label ? ` when ${label}` : ''}`,
      );
    });
}
