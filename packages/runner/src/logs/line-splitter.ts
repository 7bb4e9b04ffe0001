import { StringDecoder } from 'node:string_decoder';

/** Longest line kept whole; longer output is emitted in pieces of this size. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Turns a byte stream into lines: UTF-8 decoded across chunk boundaries, split on `\n`
 * (a trailing `\r` dropped), the partial last line emitted by {@link flush}.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly emit: (line: string) => void) {}

  /** Feeds bytes; emits every complete line they finish. */
  push(chunk: Buffer): void {
    let text = this.partial + this.decoder.write(chunk);
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      this.emitLine(text.slice(0, newline));
      text = text.slice(newline + 1);
      newline = text.indexOf('\n');
    }
    // Output without newlines must not grow memory without bound.
    while (text.length > MAX_LINE_CHARS) {
      this.emit(text.slice(0, MAX_LINE_CHARS));
      text = text.slice(MAX_LINE_CHARS);
    }
    this.partial = text;
  }

  /** Emits whatever is left as a last line. */
  flush(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest.length > 0) this.emitLine(rest);
  }

  private emitLine(line: string): void {
    this.emit(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}
