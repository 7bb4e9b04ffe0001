import { CommanderError } from 'commander';
import { LightProcessError, type LightProcessErrorCode } from '../../definition/errors.ts';

/** The exit codes of `light`. */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** The workflow ran and failed, or `check` found problems. */
  failed: 1,
  /** Usage or input error: bad option, missing or malformed file. */
  usage: 2,
  /** Interrupted (Ctrl-C), after cancelling the runs. */
  interrupted: 130,
} as const;

/**
 * Codes of input errors (exit 2), among them a workflow that cannot start because of a
 * variable or its input (`ENV_MISSING`, `INPUT_INVALID`). Every other `LightProcessError`
 * code means the work failed (exit 1), among them an unreachable light-run or light serve
 * (`LIGHT_RUN_UNREACHABLE`, `LIGHT_SERVE_UNREACHABLE`) and a remote error this side cannot
 * call the user's (`REMOTE_FAILED`).
 */
const INPUT_ERRORS: ReadonlySet<LightProcessErrorCode> = new Set<LightProcessErrorCode>([
  'USAGE',
  'WORKFLOW_NOT_FOUND',
  'WORKFLOW_FILE_INVALID',
  'WORKFLOW_INVALID',
  'DEFINITION_INVALID',
  'NODE_FILE_REFUSED',
  'NODE_FILES_TOO_LARGE',
  'CONDITION_INVALID',
  'FILE_SYSTEM',
  // A workflow that cannot start because of what the user gave: a variable or the input.
  'ENV_MISSING',
  'INPUT_INVALID',
  // A resume the recorded run does not allow (still running, succeeded, a node changed).
  'RESUME_REFUSED',
]);

let requested: number | undefined;

/** Lets a command end with a non-zero code after printing its result (e.g. `check` found problems). */
export function setExitCode(code: number): void {
  requested = Math.max(requested ?? 0, code);
}

/** The code a command asked for, resetting it for the next invocation. */
export function takeExitCode(): number {
  const code = requested ?? EXIT.ok;
  requested = undefined;
  return code;
}

/** The one place errors become exit codes. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
    if (error.code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  if (error instanceof Error && error.name === 'AbortError') return EXIT.interrupted;
  // A cancelled workflow resolves (WORKFLOW_CANCELLED in its result, which `light run` maps
  // to 130); no LightProcessError code means "interrupted".
  if (error instanceof LightProcessError) return INPUT_ERRORS.has(error.code) ? EXIT.usage : EXIT.failed;
  return EXIT.failed;
}
