import { readFileSync } from 'node:fs';

/** One entry of a v3 package-lock's `packages` map (the fields read or written here). */
interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

/** A tarball made by `npm pack`, and the manifest of the package inside it. */
export interface PackedPackage {
  /** Absolute path of the .tgz. */
  tarball: string;
  /** Its package.json. */
  manifest: { name: string; version: string; dependencies?: Record<string, string>; [f: string]: unknown };
}

const ROOT_LOCK = new URL('../../package-lock.json', import.meta.url);

/** Where node would find `name` required from the package at `from` (a lock path). */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (packages[candidate] && !packages[candidate].link) return candidate;
    if (dir === '') return undefined;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up < 0 ? '' : dir.slice(0, up);
  }
}

/**
 * A package-lock for a fresh project that depends on `packed` (by tarball) and `extra`
 * (registry packages by name): every third-party package comes from the repo's own lock,
 * at the same versions and integrities, so `npm ci --offline` installs it from the npm
 * cache that installing the repo filled. No workspace link is involved.
 */
export function consumerLock(
  packed: PackedPackage[],
  extra: string[],
  tarballSpec: (p: PackedPackage) => string,
  registry = 'https://registry.npmjs.org/',
): { manifest: Record<string, unknown>; lock: Record<string, unknown> } {
  const root = JSON.parse(readFileSync(ROOT_LOCK, 'utf8')) as { packages: Record<string, LockEntry> };
  const source = root.packages;
  const ours = new Set(packed.map((p) => p.manifest.name));
  const out: Record<string, LockEntry> = {};
  const queue: { from: string; deps: Record<string, string> }[] = [];
  const rootDeps: Record<string, string> = {};

  for (const p of packed) {
    const spec = tarballSpec(p);
    rootDeps[p.manifest.name] = spec;
    const {
      name: _n,
      files: _f,
      scripts: _s,
      devDependencies: _d,
      exports: _e,
      main: _m,
      types: _t,
      ...kept
    } = p.manifest;
    out[`node_modules/${p.manifest.name}`] = { ...kept, resolved: spec };
    const deps = Object.fromEntries(
      Object.entries(p.manifest.dependencies ?? {}).filter(([d]) => !ours.has(d)),
    );
    queue.push({ from: '', deps });
  }
  for (const name of extra) {
    const at = resolveIn(source, '', name);
    if (!at) throw new Error(`${name} is not in the repo's package-lock.json`);
    rootDeps[name] = source[at]?.version as string;
    queue.push({ from: '', deps: { [name]: '*' } });
  }

  while (queue.length > 0) {
    const { from, deps } = queue.shift() as (typeof queue)[number];
    for (const name of Object.keys(deps)) {
      const at = resolveIn(source, from, name);
      if (!at) throw new Error(`${name} (needed by ${from || 'the project'}) is not in the repo's lock`);
      if (out[at]) continue;
      const entry = source[at] as LockEntry;
      const { dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry;
      // The tarball URL, as npm recorded it when it cached the tarball: with it npm needs no
      // registry metadata (the repo's lock omits it, and that metadata is not cached).
      const pkg = entry.name ?? at.slice(at.lastIndexOf('node_modules/') + 'node_modules/'.length);
      const file = `${pkg.split('/').pop()}-${entry.version}.tgz`;
      out[at] = { ...kept, resolved: entry.resolved ?? `${registry}${pkg}/-/${file}` };
      const optionalPeers = entry.peerDependenciesMeta ?? {};
      const peers = Object.keys(entry.peerDependencies ?? {}).filter((p) => !optionalPeers[p]?.optional);
      const optional = Object.keys(entry.optionalDependencies ?? {}).filter((o) => resolveIn(source, at, o));
      const next = [...Object.keys(entry.dependencies ?? {}), ...peers, ...optional];
      queue.push({ from: at, deps: Object.fromEntries(next.map((n) => [n, '*'])) });
    }
  }

  const manifest = {
    name: 'light-consumer',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies: rootDeps,
  };
  const sorted = Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  return {
    manifest,
    lock: {
      name: manifest.name,
      version: manifest.version,
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: manifest.name, version: manifest.version, dependencies: rootDeps }, ...sorted },
    },
  };
}
