import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from './api-error.ts';

/** The signature header: `sha256=<hex HMAC-SHA256>`, GitHub's format and name. */
export const SIGNATURE_HEADER = 'x-hub-signature-256';
/** The optional timestamp header: Unix seconds; when sent, it is signed too and the replay window applies. */
export const TIMESTAMP_HEADER = 'x-light-timestamp';
/** How far a signed timestamp may be from the server's clock, either way. Milliseconds (5 min). */
export const REPLAY_WINDOW_MS = 5 * 60 * 1000;
// Signatures remembered within the window, to refuse a replay; past this many the oldest go.
const MAX_REMEMBERED = 100_000;

/** What one webhook call presents. */
export interface SignedCall {
  /** The raw request body, exactly as received. */
  body: Buffer;
  /** The `X-Hub-Signature-256` header. */
  signature: string | undefined;
  /** The `X-Light-Timestamp` header. */
  timestamp: string | undefined;
}

/**
 * The signature a sender computes: `sha256=` + hex HMAC-SHA256 with the shared secret over the
 * raw body, or over `<timestamp>.<raw body>` when a timestamp is sent.
 */
export function signWebhook(secret: string, body: Buffer | string, timestamp?: string): string {
  const hmac = createHmac('sha256', secret);
  if (timestamp !== undefined) hmac.update(`${timestamp}.`);
  hmac.update(body);
  return `sha256=${hmac.digest('hex')}`;
}

const refuse = (message: string) => new ApiError('SIGNATURE_INVALID', message);

/**
 * Checks webhook signatures against a secret, and refuses timestamped calls outside the replay
 * window or seen before within it. Calls without a timestamp (GitHub's) have no replay check.
 */
export class WebhookVerifier {
  readonly #seen = new Map<string, number>();
  readonly #now: () => number;

  /** @param now the clock, in milliseconds. @default Date.now */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Throws `SIGNATURE_INVALID` (401) naming what is wrong; returns when the call is genuine. */
  verify(secret: string, call: SignedCall): void {
    const presented = call.signature?.trim();
    if (!presented) throw refuse(`missing ${SIGNATURE_HEADER} header (sha256=<hex HMAC-SHA256 of the body>)`);
    if (!/^sha256=[0-9a-f]{64}$/i.test(presented))
      throw refuse(`${SIGNATURE_HEADER} must be sha256= followed by 64 hex digits`);
    const timestamp = call.timestamp?.trim();
    if (timestamp !== undefined && !/^\d{1,12}$/.test(timestamp))
      throw refuse(`${TIMESTAMP_HEADER} must be Unix seconds`);
    const expected = Buffer.from(signWebhook(secret, call.body, timestamp).toLowerCase());
    if (!timingSafeEqual(expected, Buffer.from(presented.toLowerCase())))
      throw refuse('the signature does not match the body');
    if (timestamp === undefined) return;
    const now = this.#now();
    if (Math.abs(now - Number(timestamp) * 1000) > REPLAY_WINDOW_MS)
      throw refuse(`${TIMESTAMP_HEADER} is outside the ${REPLAY_WINDOW_MS / 1000} s replay window`);
    this.#forgetOld(now);
    const key = presented.toLowerCase();
    if (this.#seen.has(key)) throw refuse('this signed call was already received (a replay)');
    this.#seen.set(key, now + REPLAY_WINDOW_MS * 2);
    if (this.#seen.size > MAX_REMEMBERED) this.#seen.delete(this.#seen.keys().next().value as string);
  }

  #forgetOld(now: number): void {
    for (const [key, expires] of this.#seen) {
      if (expires > now) break; // insertion order is expiry order
      this.#seen.delete(key);
    }
  }
}
