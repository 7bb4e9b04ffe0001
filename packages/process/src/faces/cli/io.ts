import pc from 'picocolors';

/** Where the CLI writes: stdout for results, stderr for progress, warnings and errors. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether colour is wanted (stdout is a TTY and NO_COLOR is unset). */
  color: boolean;
}

/** The process's own streams; colour only on a TTY without NO_COLOR. */
export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  };
}

let current: CliIO | undefined;

/** Sets the streams commands write to for one CLI invocation (tests pass their own). */
export function setIO(io: CliIO | undefined): void {
  current = io;
}

/** The streams of the current invocation. */
export function io(): CliIO {
  current ??= processIO();
  return current;
}

/** Writes a line to stdout. */
export function println(text = ''): void {
  io().stdout(`${text}\n`);
}

/** Writes a line to stderr. */
export function eprintln(text = ''): void {
  io().stderr(`${text}\n`);
}

/** Writes a value as pretty JSON to stdout (`--json`). */
export function printJson(value: unknown): void {
  io().stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** Colour functions that are no-ops when colour is off. */
export function colors(): ReturnType<typeof pc.createColors> {
  return pc.createColors(io().color);
}
