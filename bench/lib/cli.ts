import { spawn } from 'node:child_process';
import { BENCH_LABELS, BENCH_NETWORK, HARDENED_HOST_CONFIG } from './docker.ts';
import { nowMs } from './stats.ts';
import { checkStepOutput, STEP_IMAGE, STEP_INPUT, STEP_OUTPUT, STEP_SCRIPT, STEP_WORKDIR } from './step.ts';

/**
 * Variant (a): `docker run --rm` with the same hardening flags. The input file goes in on
 * stdin and the JSON comes back on stdout (the CLI has no copy-in without a bind mount).
 */
export async function cliRun(): Promise<number> {
  const labels = Object.entries(BENCH_LABELS).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  const script = `cat > ${STEP_INPUT.name} && ${STEP_SCRIPT} && cat ${STEP_OUTPUT}`;
  const args = [
    'run',
    '--rm',
    '-i',
    ...labels,
    ...(HARDENED_HOST_CONFIG.CapDrop ?? []).flatMap((c: string) => ['--cap-drop', c]),
    '--security-opt',
    'no-new-privileges',
    '--pids-limit',
    '100',
    '--memory',
    '512m',
    '--memory-swap',
    '512m',
    '--cpus',
    '1',
    '--network',
    BENCH_NETWORK,
    '-w',
    STEP_WORKDIR,
    STEP_IMAGE,
    'sh',
    '-c',
    script,
  ];
  const t0 = nowMs();
  const child = spawn('docker', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  child.stdin.end(STEP_INPUT.content);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const ms = nowMs() - t0;
  if (code !== 0) throw new Error(`docker run exited ${code}: ${err.trim()}`);
  checkStepOutput(out);
  return ms;
}
