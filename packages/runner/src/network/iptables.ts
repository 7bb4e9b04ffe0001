import { execFile } from 'node:child_process';

/** The outcome of one firewall command. */
export interface CommandResult {
  /** Exit status; -1 when the binary could not be started at all. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one `iptables`/`ip6tables` invocation; injectable so the rule logic is testable without root. */
export type FirewallCommand = (binary: 'iptables' | 'ip6tables', args: string[]) => Promise<CommandResult>;

/** Where Debian and most distributions keep the binaries, for a PATH without the sbin dirs. */
const SBIN = ['/usr/sbin', '/sbin'];

/** How long one firewall command may take, in milliseconds (`-w` waits for the xtables lock). */
const COMMAND_TIMEOUT_MS = 30_000;

function run(file: string, args: string[]): Promise<CommandResult & { missing: boolean }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: COMMAND_TIMEOUT_MS }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      const missing = (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      resolve({
        code,
        stdout: String(stdout),
        stderr: missing ? `${file}: not found` : String(stderr),
        missing,
      });
    });
  });
}

/** Runs the binary from PATH, then from the sbin dirs; `-w` so concurrent callers queue on the lock. */
export const execFirewall: FirewallCommand = async (binary, args) => {
  let last: CommandResult = { code: -1, stdout: '', stderr: `${binary}: not found` };
  for (const file of [binary, ...SBIN.map((dir) => `${dir}/${binary}`)]) {
    const result = await run(file, ['-w', ...args]);
    if (!result.missing) return { code: result.code, stdout: result.stdout, stderr: result.stderr };
    last = result;
  }
  return last;
};
