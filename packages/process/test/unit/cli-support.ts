import { main } from '../../src/faces/cli/main.ts';

/** What one in-process `light` invocation printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `light <args>` in-process with captured output (no colour). */
export async function light(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'light', ...args], {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    color: false,
  });
  return { code, stdout, stderr };
}
