import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';

/** Where scripts/setup.sh sends the engine's log; a restart appends to it. */
const ENGINE_LOG = '/var/log/light-dockerd.log';

/** Whether the engine answers a ping within a second. */
export async function engineAnswers(docker = new Dockerode()): Promise<boolean> {
  try {
    await Promise.race([docker.ping(), sleep(1000).then(() => Promise.reject(new Error('no answer')))]);
    return true;
  } catch {
    return false;
  }
}

/** Polls until the engine answers; throws after `withinMs`. */
export async function waitForEngine(withinMs = 90_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await engineAnswers())) {
    if (Date.now() > deadline)
      throw new Error(`the Docker engine did not answer within ${withinMs} ms; see ${ENGINE_LOG}`);
    await sleep(250);
  }
}

const PID_FILE = '/var/run/docker.pid';

/** A process that exists and is not a zombie (PID 1 here may not reap). */
function running(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) Z /.test(readStat(pid));
}

/** The pid of the running dockerd, from its pid file. */
function dockerdPid(): number | undefined {
  if (!existsSync(PID_FILE)) return undefined;
  const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
  return pid > 0 && running(pid) ? pid : undefined;
}

/**
 * Starts dockerd the way scripts/setup.sh does (`setsid dockerd ARGS >log 2>&1 </dev/null &`),
 * with the arguments the stopped one had (its data root on the quota filesystem, for one).
 */
function startDockerd(args: string[]): void {
  const log = openSync(ENGINE_LOG, 'a');
  try {
    spawn('setsid', ['dockerd', ...args], { detached: true, stdio: ['ignore', log, log] }).unref();
  } finally {
    closeSync(log);
  }
}

/** Whether this machine lets the suite restart its engine (root, and a dockerd we can see). */
export function canRestartEngine(): { ok: true } | { ok: false; why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: 'restarting dockerd needs root' };
  if (dockerdPid() === undefined) return { ok: false, why: `no running dockerd in ${PID_FILE}` };
  return { ok: true };
}

/**
 * Stops dockerd with SIGTERM, runs `whileDown`, then starts it again the way the setup script
 * does. Whatever happens, the `finally` leaves an engine that answers `docker info` (or throws
 * loudly that it could not).
 */
export async function restartEngine(whileDown: () => Promise<void>): Promise<void> {
  const pid = dockerdPid();
  if (pid === undefined) throw new Error('no running dockerd found');
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(1);
  try {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 60_000;
    while (running(pid)) {
      if (Date.now() > deadline) {
        process.kill(pid, 'SIGKILL');
        break;
      }
      await sleep(100);
    }
    await whileDown();
  } finally {
    if (!(await engineAnswers())) {
      if (dockerdPid() === undefined) {
        // A stale pid file (a dockerd that was killed) would make the new one refuse to start.
        rmSync(PID_FILE, { force: true });
        startDockerd(args);
      }
      await waitForEngine();
    }
  }
}

function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return `${pid} (gone) Z `;
  }
}
