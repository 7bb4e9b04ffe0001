/**
 * Reads a byte stream as newline-delimited JSON, calling `onValue` with every parsed line.
 * Lines that are not JSON go to `onBadLine`. Resolves when the stream ends.
 */
export async function readNdjson(
  body: ReadableStream<Uint8Array>,
  onValue: (value: unknown) => void,
  onBadLine: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = '';
  const flush = (line: string): void => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      onBadLine(line); // reported to the caller, who decides what a bad line means
      return;
    }
    onValue(value);
  };
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      flush(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  }
  pending += decoder.decode();
  flush(pending);
}
