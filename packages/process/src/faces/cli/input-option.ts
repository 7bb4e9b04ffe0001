import { readFile, stat } from 'node:fs/promises';
import { UsageError } from '../../definition/errors.ts';

/** Help text of every `--input` option, so `light run` and `light remote run` read it the same way. */
export const INPUT_OPTION_HELP =
  'workflow input: inline JSON, @path of a JSON file, or the path of an existing JSON file';

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    // Not a readable path: the value is then taken as inline JSON, whose error says both.
    return false;
  }
}

async function readInputFile(path: string, given: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new UsageError(`--input ${given}: cannot read the file (${(cause as Error).message})`, {
      cause,
      file: path,
    });
  }
}

/**
 * The value of an `--input` option as JSON: `@path` always names a file; any other value
 * that is the path of an existing file is read from it; anything else is inline JSON.
 * @throws UsageError naming the file, or saying the value is neither JSON nor a file.
 */
export async function readInputOption(value: string): Promise<unknown> {
  const path = value.startsWith('@') ? value.slice(1) : (await isFile(value)) ? value : undefined;
  const text = path === undefined ? value : await readInputFile(path, value);
  try {
    return JSON.parse(text);
  } catch (cause) {
    const reason = (cause as Error).message;
    throw path === undefined
      ? new UsageError(`--input: not valid JSON and not an existing file (${reason})`, { cause })
      : new UsageError(`--input: ${path} is not valid JSON (${reason})`, { cause, file: path });
  }
}
