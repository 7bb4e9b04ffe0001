import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { WorkflowDefinition } from '../../definition/definitions.ts';
import { LightProcessError, WorkflowValidationError } from '../../definition/errors.ts';
import { type EnvPolicy, resolveWorkflowEnv } from '../../engine/env-policy.ts';
import { findWorkflows } from '../../files/find-workflows.ts';
import { loadWorkflowWithSources } from '../../files/load-workflow.ts';
import { assertValidWorkflow } from '../../validation/assert-valid.ts';
import { ApiError } from './api-error.ts';
import { removeWorkflowPath, writeWorkflowFolder } from './workflow-folder.ts';

/** A registered workflow and, when it lives on disk, where. */
export interface CatalogEntry {
  definition: WorkflowDefinition;
  /** Folder or packed file under the served folder; null for a workflow registered in memory only. */
  path: string | null;
}

/**
 * The workflows a server knows: those found in its folder at start, plus those registered
 * over the API (written to the folder when asked to persist).
 */
export class WorkflowCatalog {
  readonly #dir: string;
  readonly #env: EnvPolicy;
  readonly #entries = new Map<string, CatalogEntry>();
  readonly #listeners = new Set<() => void>();

  private constructor(dir: string, env: EnvPolicy) {
    this.#dir = dir;
    this.#env = env;
  }

  /**
   * Loads every workflow of `dir`; one that cannot be loaded is logged and left out. One
   * whose `env` names the policy does not resolve is served with a warning: its runs are refused.
   */
  static async load(dir: string, env: EnvPolicy, log: FastifyBaseLogger): Promise<WorkflowCatalog> {
    const catalog = new WorkflowCatalog(dir, env);
    for (const found of await findWorkflows(dir)) {
      try {
        const loaded = await loadWorkflowWithSources(found.path);
        let definition: WorkflowDefinition;
        try {
          definition = assertValidWorkflow(loaded.definition, {
            file: loaded.file,
            nodeFiles: loaded.nodeFiles,
          });
        } catch (error) {
          if (!(error instanceof WorkflowValidationError)) throw error;
          log.warn(
            { path: found.path, problems: error.problems.map((p) => p.message) },
            'skipping an invalid workflow',
          );
          continue;
        }
        const id = definition.id;
        if (catalog.#entries.has(id)) {
          log.warn({ path: found.path, id }, 'skipping a workflow whose id is already served');
          continue;
        }
        const envProblem = catalog.#envProblem(definition);
        if (envProblem)
          log.warn({ path: found.path, problems: [envProblem.message] }, 'its runs will be refused');
        catalog.#entries.set(id, { definition, path: found.path });
      } catch (error) {
        log.warn({ path: found.path, err: error }, 'skipping a workflow that cannot be loaded');
      }
    }
    return catalog;
  }

  /** Every workflow, by id. */
  list(): CatalogEntry[] {
    return [...this.#entries.values()].sort((a, b) => a.definition.id.localeCompare(b.definition.id));
  }

  /** One workflow, or undefined. */
  find(id: string): CatalogEntry | undefined {
    return this.#entries.get(id);
  }

  /** Calls `listener` after every register, replace or remove (the scheduler re-reads the schedules). */
  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  /** One workflow, or a 404. */
  get(id: string): CatalogEntry {
    const entry = this.#entries.get(id);
    if (!entry) throw new ApiError('WORKFLOW_NOT_FOUND', `no workflow with id '${id}'`);
    return entry;
  }

  /**
   * Registers a new workflow (409 when the id is taken), optionally writing it to the folder.
   * An `env` name this server does not pass is a 400 `ENV_MISSING`: its runs could never start.
   */
  async register(body: unknown, persist: boolean): Promise<CatalogEntry> {
    const definition = this.#admitted(body);
    if (this.#entries.has(definition.id)) {
      throw new ApiError(
        'WORKFLOW_EXISTS',
        `a workflow with id '${definition.id}' already exists (use PUT to replace it)`,
      );
    }
    return this.#store(definition, null, persist);
  }

  /** Replaces a workflow; the body's id must be the one in the path. */
  async replace(id: string, body: unknown, persist: boolean): Promise<CatalogEntry> {
    const previous = this.get(id);
    const definition = this.#admitted(body);
    if (definition.id !== id) {
      throw new ApiError(
        'INVALID_REQUEST',
        `field "body.id": '${definition.id}' does not match the path id '${id}'`,
        {
          issues: [{ field: 'body.id', message: `must be '${id}'` }],
        },
      );
    }
    return this.#store(definition, previous.path, persist);
  }

  /** Forgets a workflow; with `persist`, also deletes its folder or file. */
  async remove(id: string, persist: boolean): Promise<{ persisted: boolean }> {
    const entry = this.get(id);
    if (persist && entry.path) await removeWorkflowPath(entry.path);
    this.#entries.delete(id);
    this.#changed();
    return { persisted: persist && entry.path !== null };
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }

  #admitted(body: unknown): WorkflowDefinition {
    const definition = checked(body);
    const envProblem = this.#envProblem(definition);
    if (envProblem) throw new ApiError('ENV_MISSING', envProblem.message, envProblem.details);
    return definition;
  }

  #envProblem(definition: WorkflowDefinition): LightProcessError | undefined {
    try {
      resolveWorkflowEnv(definition, this.#env);
      return undefined;
    } catch (error) {
      if (error instanceof LightProcessError) return error;
      throw error;
    }
  }

  async #store(definition: WorkflowDefinition, path: string | null, persist: boolean): Promise<CatalogEntry> {
    let target = path;
    if (persist) {
      // A packed file is rewritten as a folder next to it: folders are what `light` edits.
      target = path && !path.endsWith('.json') ? path : join(this.#dir, definition.id);
      await writeWorkflowFolder(definition, target);
      if (path && path !== target) await removeWorkflowPath(path);
    }
    const entry = { definition, path: target };
    this.#entries.set(definition.id, entry);
    this.#changed();
    return entry;
  }
}

/**
 * Validates a workflow body; a 400 with every problem when it is not valid. The definition it
 * returns is the executor's validated one: its runs are not validated again.
 */
function checked(body: unknown): WorkflowDefinition {
  try {
    return assertValidWorkflow(body);
  } catch (error) {
    if (!(error instanceof WorkflowValidationError)) throw error;
    const { problems } = error;
    const first = problems[0]?.message ?? 'invalid workflow';
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new ApiError('WORKFLOW_INVALID', `invalid workflow: ${first}${more}`, { problems });
  }
}
