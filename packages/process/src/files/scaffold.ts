import { access, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { workflowFile } from '../definition/definitions.ts';
import { fileSystemError, UsageError } from '../definition/errors.ts';
import { nodeTemplate } from '../helpers/templates.ts';
import { type HelperLanguage, writeNodeHelpers } from '../helpers/write-helpers.ts';
import { parseFileContent, readJsonFile, writeJsonFile } from './json-file.ts';
import { NODE_FILE, WORKFLOW_FILE } from './load-workflow.ts';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    // Absence is the answer here; any real problem shows up when the path is written.
    return false;
  }
}

// The same rule light-run applies to an image reference, so a scaffolded node is never refused there.
const IMAGE = /^[^\s\0]{1,512}$/;

function checkImage(image: string | undefined): void {
  if (image !== undefined && !IMAGE.test(image))
    throw new UsageError(`invalid image '${image}': give 1-512 characters without whitespace`);
}

/** A valid id made from a folder name (`My Flow!` -> `My-Flow`). */
export function idFromName(name: string): string {
  const id = name
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return id || 'workflow';
}

async function writeNode(nodeDir: string, id: string, options: ScaffoldOptions): Promise<void> {
  const lang = options.lang ?? 'js';
  const template = nodeTemplate(id, lang, id, options.image);
  try {
    await mkdir(nodeDir, { recursive: true });
    for (const [name, content] of Object.entries(template.files))
      await writeFile(join(nodeDir, name), content);
  } catch (cause) {
    throw fileSystemError('write the node folder', nodeDir, cause);
  }
  await writeJsonFile(join(nodeDir, NODE_FILE), template.definition);
  await writeNodeHelpers(nodeDir, template.definition, [lang]);
}

/** Options of `initWorkflow` and `initNode`. */
export interface ScaffoldOptions {
  /** Language of the node code and its helper. @default 'js' */
  lang?: HelperLanguage;
  /** Image of the new node; any reference the engine can run or pull. @default `DEFAULT_IMAGES[lang]`, a locally built image */
  image?: string;
}

/**
 * Creates a workflow folder with one `hello` node that greets `input.name` using the
 * helper; with the default image it runs offline on the locally built images. Refuses an
 * existing workflow.
 */
export async function initWorkflow(
  dir: string,
  options: ScaffoldOptions & { id?: string } = {},
): Promise<string> {
  checkImage(options.image);
  const file = join(dir, WORKFLOW_FILE);
  if (await exists(file)) throw new UsageError(`${file} already exists`, { file });
  const nodeDir = join(dir, 'hello');
  if (await exists(nodeDir)) throw new UsageError(`${nodeDir} already exists`, { file: nodeDir });
  const id = options.id ?? idFromName(basename(resolve(dir)));
  await writeNode(nodeDir, 'hello', options);
  await writeJsonFile(file, {
    id,
    name: id,
    nodes: [{ id: 'hello', name: 'hello', dir: 'hello' }],
    links: [],
  });
  return file;
}

/** The nearest folder at or above `start` holding a workflow.json, if any. */
export async function findParentWorkflow(start: string): Promise<string | undefined> {
  let dir = resolve(start);
  for (;;) {
    if (await exists(join(dir, WORKFLOW_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** What `initNode` created. */
export interface InitNodeResult {
  nodeDir: string;
  /** The workflow.json the node was registered in, if one was found above the node. */
  registeredIn?: string;
}

/**
 * Creates a node folder `<parent>/<id>` (`.node.json`, code using the helper, the helper,
 * the typed stub) and registers it in the nearest workflow.json at or above `parent`.
 */
export async function initNode(
  parent: string,
  id: string,
  options: ScaffoldOptions = {},
): Promise<InitNodeResult> {
  if (!ID.test(id)) {
    throw new UsageError(
      `invalid node name '${id}': use 1-64 letters, digits, '_', '.' or '-', starting alphanumeric`,
    );
  }
  checkImage(options.image);
  const nodeDir = join(parent, id);
  if (await exists(nodeDir)) throw new UsageError(`${nodeDir} already exists`, { file: nodeDir });
  const workflowDir = await findParentWorkflow(parent);
  let update: (() => Promise<void>) | undefined;
  if (workflowDir) {
    const file = join(workflowDir, WORKFLOW_FILE);
    const raw = await readJsonFile(file);
    const wf = parseFileContent(workflowFile, raw, file);
    if (wf.nodes.some((n) => n.id === id)) {
      throw new UsageError(`${file} already registers a node '${id}'`, { file, nodeId: id });
    }
    const ref = { id, name: id, dir: relative(workflowDir, resolve(nodeDir)).split('\\').join('/') };
    const next = { ...(raw as Record<string, unknown>), nodes: [...wf.nodes, ref] };
    update = () => writeJsonFile(file, next);
  }
  await writeNode(nodeDir, id, options);
  await update?.();
  return { nodeDir, ...(workflowDir ? { registeredIn: join(workflowDir, WORKFLOW_FILE) } : {}) };
}
