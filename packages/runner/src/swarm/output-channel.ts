import { ExtractTooLargeError } from '../errors.ts';

/** What the output channel of one task carried, once its exit line was read. */
export interface ChannelResult {
  exitCode: number | undefined;
  /** Extract path index -> tar bytes. */
  archives: Map<number, Buffer>;
}

/**
 * Reads a task's stdout lines: marker lines and the base64 between them are the output
 * channel (see task-script.ts) and are kept out of the logs; every other line is passed on.
 * The base64 held at once is capped (`maxBytes` of decoded tar for the whole run).
 */
export class OutputChannel {
  private current: { index: number; parts: string[] } | undefined;
  private readonly archives = new Map<number, Buffer>();
  private heldChars = 0;
  exitCode: number | undefined;

  constructor(
    private readonly nonce: string,
    private readonly extract: readonly string[],
    private readonly maxBytes: number,
  ) {}

  /** True when the line belonged to the channel (the caller does not log it). */
  take(line: string): boolean {
    const marker = `@@${this.nonce} `;
    if (line.startsWith(marker)) {
      const [kind, arg] = line.slice(marker.length).split(' ');
      const value = Number(arg);
      if (kind === 'extract' && Number.isInteger(value)) this.current = { index: value, parts: [] };
      else if (kind === 'end' && this.current) {
        this.archives.set(this.current.index, Buffer.from(this.current.parts.join(''), 'base64'));
        this.current = undefined;
      } else if (kind === 'exit' && Number.isInteger(value)) this.exitCode = value;
      return true;
    }
    if (!this.current) return false;
    this.heldChars += line.length;
    if ((this.heldChars * 3) / 4 > this.maxBytes) {
      const path = this.extract[this.current.index] ?? '?';
      throw new ExtractTooLargeError(path, this.maxBytes, 'run');
    }
    this.current.parts.push(line);
    return true;
  }

  get done(): boolean {
    return this.exitCode !== undefined;
  }

  result(): ChannelResult {
    return { exitCode: this.exitCode, archives: this.archives };
  }
}
