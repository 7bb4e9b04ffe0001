import { posix } from 'node:path';

/** Where a task finds what the runner sends it (configs mounted read-only). */
export const TASK_DIR = '/run/light';
/** The files of the request, as tar chunks `files.tar.<n>` (a config holds at most 500 KB). */
export const FILES_CHUNK = `${TASK_DIR}/files.tar`;
/** The stdin input of the request. */
export const STDIN_FILE = `${TASK_DIR}/stdin`;
/** The wrapper script every task runs. */
export const SCRIPT_FILE = `${TASK_DIR}/start.sh`;

/** What the wrapper of one task needs to know. */
export interface TaskScriptInput {
  workdir: string;
  /** The command run with `sh -c`; undefined means the image's entrypoint/cmd, given as argv. */
  command: string;
  filesChunks: number;
  hasStdin: boolean;
  /** Absolute container paths sent back after a successful exit. */
  extract: string[];
  /** Per-run marker prefix, so ordinary output is never taken for the output channel. */
  nonce: string;
}

/** A shell word that `sh` reads back as exactly `text`. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The image's own entrypoint and cmd as one `sh -c` command line. */
export function imageCommand(
  entrypoint: string[] | null | undefined,
  cmd: string[] | null | undefined,
): string {
  const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
  return argv.map(shellQuote).join(' ');
}

/**
 * The task's wrapper: unpacks the files into the workdir, runs the command with the input on
 * stdin, and after a successful exit writes each extract path to stdout as a base64 tar
 * between marker lines (the manager only sees a task's logs, not its filesystem). Its last
 * line always carries the exit code, so the reader knows the output is complete. Needs
 * `sh`, `tar` and `base64` in the image (busybox has them).
 */
export function taskScript(input: TaskScriptInput): string {
  const n = input.nonce;
  const lines = ['set -e', `mkdir -p ${shellQuote(input.workdir)}`, `cd ${shellQuote(input.workdir)}`];
  if (input.filesChunks > 0) {
    const chunks = Array.from({ length: input.filesChunks }, (_, i) => shellQuote(`${FILES_CHUNK}.${i}`));
    lines.push(`cat ${chunks.join(' ')} | tar -xf - -C ${shellQuote(input.workdir)}`);
  }
  lines.push('set +e');
  const stdin = input.hasStdin ? ` < ${shellQuote(STDIN_FILE)}` : ' < /dev/null';
  lines.push(`/bin/sh -c ${shellQuote(input.command)}${stdin}`, 'rc=$?');
  if (input.extract.length > 0) {
    lines.push('if [ "$rc" = 0 ]; then');
    input.extract.forEach((path, i) => {
      const dir = shellQuote(posix.dirname(path));
      const base = shellQuote(posix.basename(path));
      lines.push(
        `  if [ -e ${shellQuote(path)} ] || [ -L ${shellQuote(path)} ]; then`,
        `    echo "@@${n} extract ${i}"`,
        `    tar -cf - -C ${dir} ${base} 2>/dev/null | base64`,
        `    echo "@@${n} end ${i}"`,
        '  fi',
      );
    });
    lines.push('fi');
  }
  lines.push(`echo "@@${n} exit $rc"`, 'exit "$rc"');
  return `${lines.join('\n')}\n`;
}
