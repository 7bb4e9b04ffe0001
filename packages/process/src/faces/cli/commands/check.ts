import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { LightProcessError } from '../../../definition/errors.ts';
import type { Problem } from '../../../definition/problem.ts';
import { fixWorkflowFolder } from '../../../files/fix-workflow.ts';
import { loadWorkflowWithSources } from '../../../files/load-workflow.ts';
import { validateWorkflow } from '../../../validation/validate-workflow.ts';
import { EXIT, setExitCode } from '../exit-codes.ts';
import { colors, printJson, println } from '../io.ts';

interface CheckOptions {
  fix?: boolean;
  json?: boolean;
}

// A file that does not load is a problem `check` reports, not a usage error; a missing path is.
function loadProblem(error: LightProcessError): Problem {
  return {
    code: 'INVALID_FIELD',
    message: error.message,
    path: error.field ?? '',
    ...(error.nodeId ? { nodeId: error.nodeId } : {}),
    ...(error.file ? { file: error.file } : {}),
  };
}

// A `.env` beside code usually holds secrets: say so even when it is left out, as it is by default.
function envFileWarning(file: string, shipped: boolean): string {
  return shipped
    ? `${file}: an environment file that a .lightignore re-includes is shipped with the node: make sure it holds no secret`
    : `${file}: an environment file in a node folder; it is not shipped (.env and .env.* are ignored by default)`;
}

/** Registers `light check [path] [--fix]`. */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('validate a workflow folder or packed file; exit 1 when it has problems')
    .argument('[path]', 'workflow folder, workflow.json or packed file', '.')
    .option('--fix', 'first fix what is safely fixable (see the README): format, names, registrations, stubs')
    .option('--json', 'print {ok, fixed, problems, warnings} as JSON')
    .action(async (path: string, options: CheckOptions) => {
      const c = colors();
      const fixed: string[] = [];
      if (options.fix) {
        const isDir = await stat(path).then(
          (s) => s.isDirectory(),
          () => false,
        );
        if (isDir) fixed.push(...(await fixWorkflowFolder(path)));
      }
      let problems: Problem[];
      let summary = '';
      const warnings: string[] = [];
      try {
        const loaded = await loadWorkflowWithSources(path, {
          onEnvFile: (file, shipped) => warnings.push(envFileWarning(file, shipped)),
        });
        problems = validateWorkflow(loaded.definition, { file: loaded.file, nodeFiles: loaded.nodeFiles });
        const def = loaded.definition;
        summary = `${def.id}: ${def.nodes.length} node(s), ${def.links.length} link(s)`;
      } catch (error) {
        if (!(error instanceof LightProcessError) || error.code === 'WORKFLOW_NOT_FOUND') throw error;
        problems = [loadProblem(error)];
      }
      if (problems.length > 0) setExitCode(EXIT.failed);
      if (options.json) {
        printJson({ ok: problems.length === 0, fixed, problems, warnings });
        return;
      }
      for (const line of fixed) println(`${c.cyan('fixed')} ${line}`);
      for (const line of warnings) println(`${c.yellow('warning')} ${line}`);
      if (problems.length === 0) {
        println(`${c.green('ok')} ${summary}, no problems`);
        return;
      }
      for (const p of problems) {
        println(`${c.red('error')} ${p.message}`);
        const where = [p.file, p.path].filter(Boolean).join(' ');
        if (where && !p.message.startsWith(p.file ?? '\0')) println(c.dim(`      at ${where}`));
      }
      println(c.red(`${problems.length} problem(s)`));
    });
}
