import { RunNotActiveError } from '../errors.ts';
import type { RunHandle, RunResult } from '../types.ts';

/** A handle onto a run that has already ended: the result is there, controls refuse. */
export function finishedHandle(result: RunResult): RunHandle {
  const refuse = async (action: string) => {
    throw new RunNotActiveError(result.id, `cannot ${action}: the run has ended (${result.status})`);
  };
  return {
    id: result.id,
    result: Promise.resolve(result),
    cancel: () => refuse('cancel'),
    stop: () => refuse('stop'),
    pause: () => refuse('pause'),
    resume: () => refuse('resume'),
  };
}
