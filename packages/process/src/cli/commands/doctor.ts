import type { Command } from 'commander';
import { LightRunClient } from '../../client/light-run-client.ts';
import type { HealthResponse } from '../../client/wire.ts';
import { findLightRunBin } from '../../local/find-light-run.ts';
import { startLocalLightRun } from '../../local/local-light-run.ts';
import { EXIT, setExitCode } from '../exit-codes.ts';
import { colors, printJson, println } from '../io.ts';

/** One line of the doctor's report. */
interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * Registers `light doctor`: with LIGHT_RUN_URL set, pings that light-run's `GET /health`;
 * otherwise confirms the light-run bin is installed and, by starting it briefly, that
 * Docker answers. Exit 1 when a check fails.
 */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check that light-run (and Docker behind it) can run workflows')
    .option('--json', 'print {ok, mode, checks} as JSON')
    .action(async (flags: { json?: boolean }) => {
      const url = process.env.LIGHT_RUN_URL;
      const mode = url ? 'explicit' : 'all-in-one';
      const checks = url
        ? await explicitChecks(url, process.env.LIGHT_RUN_TOKEN)
        : await allInOneChecks(process.env.LIGHT_RUN_BIN);
      const ok = checks.every((c) => c.ok);
      if (!ok) setExitCode(EXIT.failed);
      if (flags.json) {
        printJson({ ok, mode, checks });
        return;
      }
      const c = colors();
      println(
        `mode: ${mode}${url ? ` (LIGHT_RUN_URL=${url})` : ' (LIGHT_RUN_URL unset: a local light-run is started on demand)'}`,
      );
      for (const check of checks)
        println(`${check.ok ? c.green('ok  ') : c.red('FAIL')} ${check.name}: ${check.detail}`);
      println(
        ok
          ? c.green('light-process is ready to run workflows')
          : c.red('light-process cannot run workflows yet'),
      );
    });
}

async function explicitChecks(url: string, token: string | undefined): Promise<Check[]> {
  const client = new LightRunClient({ url, ...(token ? { token } : {}) });
  return [await healthCheck(`light-run at ${client.url}`, () => client.health())];
}

async function allInOneChecks(binOverride: string | undefined): Promise<Check[]> {
  let bin: string;
  try {
    bin = binOverride ?? findLightRunBin();
  } catch (error) {
    return [{ name: 'light-run bin', ok: false, detail: message(error) }];
  }
  const checks: Check[] = [{ name: 'light-run bin', ok: true, detail: bin }];
  let local: Awaited<ReturnType<typeof startLocalLightRun>> | undefined;
  try {
    local = await startLocalLightRun({ bin, allowUnhealthy: true });
    checks.push({ name: 'local light-run', ok: true, detail: `started at ${local.url}` });
    const health = local.health;
    checks.push(await healthCheck('Docker through light-run', async () => health));
  } catch (error) {
    checks.push({ name: 'local light-run', ok: false, detail: message(error) });
  } finally {
    await local?.stop();
  }
  return checks;
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

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
