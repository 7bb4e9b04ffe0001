import type { WorkflowDefinition } from '../definition/definitions.ts';
import { LightProcessError } from '../definition/errors.ts';
import { assertValidWorkflow } from '../validation/assert-valid.ts';
import type { ValidateOptions } from '../validation/validate-workflow.ts';
import { type EnvSource, resolveWorkflowEnv } from './env-policy.ts';
import { SchemaCheck } from './schema-check.ts';

/** A workflow checked and ready to run: nothing about it can refuse the run any more. */
export interface PreparedRun {
  /** The parsed definition, defaults applied, frozen. */
  readonly definition: WorkflowDefinition;
  /** The workflow input (a JSON object, checked against the workflow's `inputs`). */
  readonly input: Record<string, unknown>;
  /** Every `env` name of the nodes and services, resolved. */
  readonly env: Record<string, string>;
}

/** Options of `prepareRun`. */
export interface PrepareOptions {
  /** Where `env` names resolve from. @default process.env */
  env?: EnvSource;
  /** The files the definition came from, named in validation problems. */
  sources?: ValidateOptions;
}

/**
 * The one check before a run, shared by `executeWorkflow`, `light run` and `light serve`:
 * validates the definition (`WorkflowValidationError`), resolves its `env` names
 * (`ENV_MISSING`) and checks the input (`INPUT_INVALID`: not an object, or not matching
 * `inputs`; `null` too). An absent (`undefined`) input is `{}`. A face calls it before it starts anything; the
 * definition it returns is not validated a second time by `executeWorkflow`.
 */
export function prepareRun(definition: unknown, input: unknown, options: PrepareOptions = {}): PreparedRun {
  const parsed = assertValidWorkflow(definition, options.sources);
  // The SDK and the CLI run the user's own workflow in the user's own process: its environment
  // is the default source. light serve always passes its allow-list policy instead.
  const env = resolveWorkflowEnv(parsed, options.env ?? process.env);
  const start = input === undefined ? {} : input;
  if (typeof start !== 'object' || start === null || Array.isArray(start)) {
    throw new LightProcessError(
      'INPUT_INVALID',
      `the workflow input must be a JSON object, not ${JSON.stringify(start)}`,
      { field: 'input' },
    );
  }
  const invalid = new SchemaCheck().check('workflow', 'input', parsed.inputs, start);
  if (invalid) throw new LightProcessError('INPUT_INVALID', invalid, { field: 'inputs' });
  return { definition: parsed, input: start as Record<string, unknown>, env };
}
