import type { NodeFile } from '../definition/definitions.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether bytes can travel as a JSON string: valid UTF-8 without NUL bytes. */
export function isText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    // A decoding failure is the answer to the question, not an error to report.
    return false;
  }
}

/**
 * Encodes file bytes for a definition: a plain string for text, `{content, encoding:
 * 'base64'}` for binary; `mode` is kept only when an execute bit is set.
 */
export function encodeFile(bytes: Uint8Array, mode?: number): NodeFile {
  const perms = mode === undefined ? undefined : mode & 0o777;
  const keepMode = perms !== undefined && (perms & 0o111) !== 0;
  if (isText(bytes)) {
    const text = Buffer.from(bytes).toString('utf8');
    return keepMode ? { content: text, encoding: 'utf8', mode: perms } : text;
  }
  const content = Buffer.from(bytes).toString('base64');
  return keepMode ? { content, encoding: 'base64', mode: perms } : { content, encoding: 'base64' };
}

/** The bytes and mode of a definition's file. */
export function decodeFile(file: NodeFile): { bytes: Buffer; mode: number | undefined } {
  if (typeof file === 'string') return { bytes: Buffer.from(file, 'utf8'), mode: undefined };
  const bytes = Buffer.from(file.content, file.encoding === 'base64' ? 'base64' : 'utf8');
  return { bytes, mode: file.mode };
}

/** Size in bytes of a definition's file once decoded. */
export function fileSize(file: NodeFile): number {
  return decodeFile(file).bytes.length;
}
