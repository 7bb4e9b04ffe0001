import type { Command } from 'commander';
import type { LightRunClient } from '../../../adapters/light-run/light-run-client.ts';
import {
  connectRunner,
  modeFromEnv,
  type RunnerConnection,
  type RunnerMode,
} from '../../../adapters/light-run/local/connect.ts';
import { findLightRunBin } from '../../../adapters/light-run/local/find-light-run.ts';
import type { HealthResponse, InfoResponse } from '../../../adapters/light-run/wire.ts';
import { UsageError } from '../../../definition/errors.ts';
import { formatBytes } from '../../../files/read-node-files.ts';
import { EXIT, setExitCode } from '../exit-codes.ts';
import { colors, printJson, println } from '../io.ts';
import { addIsolationOptions, type IsolationFlags, isolationOf } from '../isolation-options.ts';

/** One line of the doctor's report. */
interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** What the doctor found: its checks, and light-run's effective settings when it could ask. */
interface Report {
  checks: Check[];
  settings?: InfoResponse;
}

/**
 * Registers `light doctor`: chooses light-run as `light run` does (LIGHT_RUN_URL, or a
 * local one started briefly with the same isolation flags and LIGHT_RUN_* variables), checks
 * that it and Docker answer, and prints the settings every container would get (`GET /info`).
 * Exit 1 when a check fails.
 */
export function registerDoctor(program: Command): void {
  const command = program
    .command('doctor')
    .description('check that light-run (and Docker behind it) can run workflows, and print its settings')
    .option('--json', 'print {ok, mode, checks, settings} as JSON');
  addIsolationOptions(command).action(async (flags: IsolationFlags & { json?: boolean }) => {
    const mode = modeFromEnv(process.env, isolationOf(flags));
    const report = mode.mode === 'explicit' ? await explicitChecks(mode) : await allInOneChecks(mode);
    const ok = report.checks.every((c) => c.ok);
    if (!ok) setExitCode(EXIT.failed);
    if (flags.json) {
      printJson({ ok, mode: mode.mode, checks: report.checks, settings: report.settings ?? null });
      return;
    }
    const c = colors();
    println(
      mode.mode === 'explicit'
        ? `mode: explicit (LIGHT_RUN_URL=${withoutCredentials(mode.url)})`
        : 'mode: all-in-one (LIGHT_RUN_URL unset: a local light-run is started on demand)',
    );
    for (const check of report.checks) {
      println(`${check.ok ? c.green('ok  ') : c.red('FAIL')} ${check.name}: ${check.detail}`);
    }
    if (report.settings) for (const line of settingsLines(report.settings)) println(line);
    println(
      ok
        ? c.green('light-process is ready to run workflows')
        : c.red('light-process cannot run workflows yet'),
    );
  });
}

async function explicitChecks(mode: Extract<RunnerMode, { mode: 'explicit' }>): Promise<Report> {
  const where = `light-run at ${withoutCredentials(mode.url.replace(/\/+$/, ''))}`;
  let connection: RunnerConnection;
  try {
    connection = await connectRunner(mode);
  } catch (error) {
    return { checks: [{ name: where, ok: false, detail: message(error) }] };
  }
  try {
    const checks = [await healthCheck(where, () => connection.client.health())];
    return checks.every((c) => c.ok) ? await withSettings(checks, connection.client) : { checks };
  } finally {
    await connection.close();
  }
}

async function allInOneChecks(mode: Extract<RunnerMode, { mode: 'all-in-one' }>): Promise<Report> {
  let bin: string;
  try {
    bin = mode.bin ?? findLightRunBin();
  } catch (error) {
    return { checks: [{ name: 'light-run bin', ok: false, detail: message(error) }] };
  }
  const checks: Check[] = [{ name: 'light-run bin', ok: true, detail: bin }];
  let connection: RunnerConnection;
  try {
    connection = await connectRunner({ ...mode, bin, allowUnhealthy: true });
  } catch (error) {
    // light-run refused a setting the user gave: a usage error (exit 2), not a failed check.
    if (error instanceof UsageError) throw error;
    checks.push({ name: 'local light-run', ok: false, detail: message(error) });
    return { checks };
  }
  try {
    checks.push({ name: 'local light-run', ok: true, detail: `started at ${connection.client.url}` });
    checks.push(await healthCheck('Docker through light-run', () => connection.client.health()));
    return checks.every((c) => c.ok) ? await withSettings(checks, connection.client) : { checks };
  } finally {
    await connection.close();
  }
}

/** Adds light-run's effective settings (`GET /info`) as a check, and to the report; asked only of a healthy light-run. */
async function withSettings(checks: Check[], client: LightRunClient): Promise<Report> {
  try {
    const settings = await client.info();
    checks.push({
      name: 'settings',
      ok: true,
      detail: `light-run ${settings.version}, ${settings.backend} backend${
        settings.swarm
          ? `, ${settings.swarm.nodes.filter((n) => n.state === 'ready').length} of ${settings.swarm.nodes.length} swarm nodes ready`
          : ''
      }`,
    });
    return { checks, settings };
  } catch (error) {
    checks.push({ name: 'settings', ok: false, detail: `GET /info: ${message(error)}` });
    return { checks };
  }
}

async function healthCheck(name: string, probe: () => Promise<HealthResponse>): Promise<Check> {
  try {
    const health = await probe();
    const docker = health.docker.reachable
      ? `Docker ${health.docker.version ?? '(version unknown)'}`
      : 'Docker unreachable';
    const version = health.version ? `light-run ${health.version}, ` : '';
    return { name, ok: health.status === 'ok', detail: `${health.status}: ${version}${docker}` };
  } catch (error) {
    return { name, ok: false, detail: message(error) };
  }
}

/** The effective settings, one per line, as `light doctor` prints them. */
function settingsLines(info: InfoResponse): string[] {
  const bytes = (n: number): string => `${formatBytes(n)} (${n} bytes)`;
  const pool = info.warmPool
    ? `${info.warmPool.size} per image of ${info.warmPool.images.join(', ')}`
    : 'off';
  const firewall = info.enforcement.hostFirewall;
  return [
    'settings of every container:',
    `  memory         ${bytes(info.limits.memoryBytes)}`,
    `  cpus           ${info.limits.cpus}`,
    `  pids           ${info.limits.pids}`,
    `  disk           ${bytes(info.limits.diskBytes)}, ${info.enforcement.disk.mode}: ${info.enforcement.disk.detail}`,
    `  runtime        ${info.runtime ?? "the engine's default (runc)"}`,
    `  gpus           ${info.gpus ?? 'none'}`,
    `  host firewall  ${firewall.enforced ? 'enforced' : 'not enforced'}: ${firewall.detail}`,
    'settings of light-run:',
    `  runs at once   ${info.maxConcurrent}`,
    ...(info.maxServices !== undefined ? [`  services       ${info.maxServices} at once`] : []),
    `  body limit     ${bytes(info.bodyLimitBytes)}`,
    `  warm pool      ${pool}`,
    ...(info.keepRuns !== undefined && info.keepForMs !== undefined
      ? [`  keeps          ${info.keepRuns} finished runs, for ${(info.keepForMs / 3_600_000).toFixed(1)} h`]
      : []),
    ...(info.allowNetworks
      ? [`  other networks ${info.allowNetworks.join(', ') || 'none (only networks light-run created)'}`]
      : []),
    ...(info.swarm
      ? [
          `swarm cluster (${info.swarm.nodes.length} nodes, registry ${info.swarm.registry ?? 'none'}):`,
          ...info.swarm.nodes.map(
            (n) => `  ${n.hostname.padEnd(14)} ${n.role}, ${n.state}, ${n.availability}, engine ${n.engine}`,
          ),
        ]
      : []),
  ];
}

/** A URL as printed: user and password, if the URL carries any, are never shown. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '***';
    parsed.password = '';
    return parsed.toString();
  } catch {
    // Not a URL at all: the client refuses it later with its own message; print nothing of it.
    return '(not a valid URL)';
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
