// The trivial step every section-1 variant performs: one small file in, a small JSON
// written from it, that JSON read back.

/** Image with a shell, present locally (no registry here). */
export const STEP_IMAGE = 'localhost/light-sh';

/** Working directory in the container. */
export const STEP_WORKDIR = '/app';

/** The input file's name and content. */
export const STEP_INPUT = { name: 'in.txt', content: 'hello from the light-process benchmark\n' };

/** Name of the JSON the step writes. */
export const STEP_OUTPUT = 'out.json';

/** Shell command: reads the input file, writes the JSON to `output`. */
export function stepScript(output: string = STEP_OUTPUT): string {
  return `n=$(wc -c < ${STEP_INPUT.name}); printf '{"ok":true,"bytes":%s}\\n' "$n" > ${output}`;
}

/** The step's command with the default output name. */
export const STEP_SCRIPT = stepScript();

/** What the JSON must say: the step is not measured as done unless it really ran. */
export function checkStepOutput(text: string | unknown): void {
  const parsed = (typeof text === 'string' ? JSON.parse(text) : text) as { ok?: unknown; bytes?: unknown };
  if (parsed?.ok !== true || parsed.bytes !== Buffer.byteLength(STEP_INPUT.content)) {
    throw new Error(`step output is wrong: ${JSON.stringify(text)}`);
  }
}
