import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { isPlainObject } from '../definition/conditions/field-path.ts';
import { nodeDefinition } from '../definition/definitions.ts';
import { fileSystemError, WorkflowFileError } from '../definition/errors.ts';
import { LP_TYPES_PY, lpTypesPySource } from '../helpers/stub-py.ts';
import { LP_TYPES_TS, lpTypesTsSource } from '../helpers/stub-ts.ts';
import { isIgnored } from './ignore.ts';
import { formatJson, parseJson } from './json-file.ts';
import { NODE_FILE, WORKFLOW_FILE } from './load-workflow.ts';
import { resolveInside } from './safe-path.ts';

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileSystemError('read', path, cause);
  }
}

async function write(path: string, text: string): Promise<void> {
  await writeFile(path, text).catch((cause: unknown) => {
    throw fileSystemError('write', path, cause);
  });
}

/** Folders (relative, `/`-separated) under `dir` holding a `.node.json`, at most `depth` levels down. */
async function nodeFolders(dir: string, rel = '', depth = 3): Promise<string[]> {
  if (depth === 0) return [];
  const here = rel === '' ? dir : join(dir, rel);
  const entries = await readdir(here, { withFileTypes: true }).catch((cause: unknown) => {
    throw fileSystemError('read the folder', here, cause);
  });
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || isIgnored(entry.name, false)) continue;
    const sub = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if ((await readText(join(dir, sub, NODE_FILE))) !== undefined) out.push(sub);
    else out.push(...(await nodeFolders(dir, sub, depth - 1)));
  }
  return out;
}

/**
 * Fixes what is safely fixable in a workflow folder and returns one line per change:
 * - a missing workflow `id` (from the folder name) or `name` (from the id);
 * - registrations whose folder has no `.node.json` are removed, with the links that
 *   touch them;
 * - node folders with a valid `.node.json` that are not registered are registered;
 * - `workflow.json` and every `.node.json` are rewritten in the canonical format;
 * - typed stubs already present (`lp-types.d.ts`, `lp_types.py`) are regenerated from `inputs`.
 * Nothing is fixed in a file that is not valid JSON.
 */
export async function fixWorkflowFolder(dir: string): Promise<string[]> {
  const file = join(dir, WORKFLOW_FILE);
  const text = await readText(file);
  if (text === undefined)
    throw new WorkflowFileError(`${file}: file not found`, { code: 'WORKFLOW_NOT_FOUND', file });
  const raw = parseJson(text, file);
  if (!isPlainObject(raw)) throw new WorkflowFileError(`${file}: expected a JSON object`, { file });
  const changes: string[] = [];
  if (typeof raw.id !== 'string') {
    raw.id =
      basename(resolve(dir))
        .replace(/[^A-Za-z0-9_.-]+/g, '-')
        .replace(/^[^A-Za-z0-9]+/, '') || 'workflow';
    changes.push(`${file}: set missing id to '${raw.id}'`);
  }
  if (typeof raw.name !== 'string') {
    raw.name = raw.id;
    changes.push(`${file}: set missing name to '${raw.name}'`);
  }
  const refs = (Array.isArray(raw.nodes) ? raw.nodes : []).filter(isPlainObject);
  const links = (Array.isArray(raw.links) ? raw.links : []).filter(isPlainObject);
  const kept: Record<string, unknown>[] = [];
  for (const ref of refs) {
    const nodeDir = typeof ref.dir === 'string' ? resolveInside(dir, ref.dir) : undefined;
    if (nodeDir && (await readText(join(nodeDir, NODE_FILE))) !== undefined) {
      kept.push(ref);
      continue;
    }
    changes.push(`${file}: removed stale node '${String(ref.id)}' (no ${NODE_FILE} in '${String(ref.dir)}')`);
    const stale = links.filter((l) => l.from === ref.id || l.to === ref.id);
    for (const l of stale) {
      links.splice(links.indexOf(l), 1);
      changes.push(
        `${file}: removed link ${String(l.from)} -> ${String(l.to)} (node '${String(ref.id)}' is gone)`,
      );
    }
  }
  const registeredDirs = new Set(kept.map((r) => String(r.dir).replace(/^\.\//, '').replace(/\/+$/, '')));
  const ids = new Set(kept.map((r) => r.id));
  for (const sub of await nodeFolders(dir)) {
    const nodeFile = join(dir, sub, NODE_FILE);
    if (registeredDirs.has(sub)) continue;
    const parsed = nodeDefinition.safeParse(parseJson((await readText(nodeFile)) ?? '', nodeFile));
    if (!parsed.success || ids.has(parsed.data.id)) continue;
    kept.push({ id: parsed.data.id, name: parsed.data.name ?? parsed.data.id, dir: sub });
    ids.add(parsed.data.id);
    changes.push(`${file}: registered node '${parsed.data.id}' from '${sub}'`);
  }
  raw.nodes = kept;
  if (Array.isArray(raw.links)) raw.links = links;
  if (formatJson(raw) !== text) {
    await write(file, formatJson(raw));
    changes.push(`${file}: rewritten in canonical format`);
  }
  for (const ref of kept) changes.push(...(await fixNodeFolder(join(dir, String(ref.dir)))));
  return [...new Set(changes)];
}

async function fixNodeFolder(nodeDir: string): Promise<string[]> {
  const changes: string[] = [];
  const nodeFile = join(nodeDir, NODE_FILE);
  const text = await readText(nodeFile);
  if (text === undefined) return changes;
  let raw: unknown;
  try {
    raw = parseJson(text, nodeFile);
  } catch (cause) {
    // An unparseable .node.json is reported by the check that follows; leave it untouched.
    if (cause instanceof WorkflowFileError) return changes;
    throw cause;
  }
  if (formatJson(raw) !== text) {
    await write(nodeFile, formatJson(raw));
    changes.push(`${nodeFile}: rewritten in canonical format`);
  }
  const inputs = isPlainObject(raw) && isPlainObject(raw.inputs) ? raw.inputs : undefined;
  const stubs: [string, string][] = [
    [LP_TYPES_TS, lpTypesTsSource(inputs)],
    [LP_TYPES_PY, lpTypesPySource(inputs)],
  ];
  for (const [name, content] of stubs) {
    const path = join(nodeDir, name);
    const current = await readText(path);
    if (current === undefined || current === content) continue;
    await write(path, content);
    changes.push(`${path}: regenerated from inputs`);
  }
  return changes;
}
