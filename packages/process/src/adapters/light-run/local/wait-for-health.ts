import { LightProcessError } from '../../../definition/errors.ts';
import type { LightRunClient } from '../light-run-client.ts';
import type { HealthResponse } from '../wire.ts';

/**
 * Polls `GET /health` until light-run answers (200 or 503) and returns that answer;
 * throws with the last failure after `timeoutMs`.
 */
export async function waitForHealth(client: LightRunClient, timeoutMs: number): Promise<HealthResponse> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      return await client.health({
        timeoutMs: Math.min(5_000, Math.max(500, deadline - Date.now())),
        retry: false,
      });
    } catch (error) {
      // Not listening yet, or busy starting: try again until the deadline.
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new LightProcessError(
    'LOCAL_LIGHT_RUN',
    `light-run at ${client.url} did not answer /health within ${timeoutMs} ms: ${last}`,
  );
}
