export { LABELS, MANAGED_FILTER } from './labels.ts';
export type { RunHandle, RunRequest, RunResult } from './types.ts';
