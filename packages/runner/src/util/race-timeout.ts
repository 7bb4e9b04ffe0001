/**
 * Waits for `promise` or `ms` milliseconds, whichever comes first; true when time ran
 * out. The timer is cleared either way, so nothing lingers on the event loop.
 */
export async function raceTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), ms);
  });
  try {
    return await Promise.race([promise.then(() => false), expired]);
  } finally {
    clearTimeout(timer);
  }
}
