import { LightProcessError } from '../../definition/errors.ts';
import type { RunBody, StopBody } from '../../definition/wire-types.ts';
import type {
  RunStepOptions,
  ServiceOptions,
  StepLogLine,
  StepOutcome,
  StepStatus,
} from '../../engine/step-runner.ts';
import { LightRunHttpError } from './errors.ts';
import type { LogLineResponse, RunStateResponse } from './wire.ts';

/** The part of `LightRunClient` the step functions use (kept structural to avoid an import cycle). */
export interface LightRunCalls {
  readonly url: string;
  submit(body: RunBody, options?: { signal?: AbortSignal }): Promise<RunStateResponse>;
  getRun(id: string, options?: { waitMs?: number; signal?: AbortSignal }): Promise<RunStateResponse>;
  waitForEnd(id: string, options?: { timeoutMs?: number }): Promise<RunStateResponse>;
  followLogs(
    id: string,
    options: { signal?: AbortSignal; onLine: (line: LogLineResponse) => void },
  ): Promise<void>;
  cancel(id: string, options?: { retry?: boolean }): Promise<RunStateResponse>;
  stop(id: string, body?: StopBody): Promise<RunStateResponse>;
  artifact(id: string, path: string, options?: { signal?: AbortSignal }): Promise<Buffer | null>;
}

/** How long the log stream may lag behind the end of its run before it is cut, in ms. */
const LOG_DRAIN_MS = 3_000;
/** How long a cancelled or stopped run may take to end, in ms. */
const END_AFTER_KILL_MS = 30_000;
/** How long a service may take to reach `running`, in ms. */
const SERVICE_START_MS = 60_000;

/**
 * Runs one step through light-run: detached submit, live logs, long-poll to the end, then
 * the artifact the caller names (`outputArtifact`). An abort at any moment reaches the run:
 * the submit is never cut mid-request (a cut POST may still create a run whose id would be
 * lost), so an abort during it cancels the run as soon as its id is known. When light-run cannot be reached while waiting (after
 * the retries of the long poll), the run is cancelled before the error is thrown.
 */
export async function runStepOverHttp(
  client: LightRunCalls,
  body: RunBody,
  options: RunStepOptions,
): Promise<StepOutcome> {
  const { signal } = options;
  if (signal?.aborted) return notStarted();
  const submitted = await client.submit(options.lease ? { ...body, lease: options.lease } : body);
  const id = submitted.id;
  options.onStart?.(id);

  const emit = (line: StepLogLine): void => options.onLog?.(line);
  const logsStop = new AbortController();
  const logs = client
    .followLogs(id, {
      signal: logsStop.signal,
      onLine: (l) => emit({ stream: l.stream, line: l.line, time: l.time }),
    })
    .catch((error: unknown) => emit(notice(`log stream of run ${id} failed: ${message(error)}`)));

  let cancelError: unknown;
  const onAbort = (): void => {
    cancelRun(client, id).catch((error: unknown) => {
      cancelError = error;
    });
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  let end: RunStateResponse;
  try {
    end = await endOf(client, id, signal);
  } catch (error) {
    logsStop.abort();
    throw await orphanGuard(client, id, error, options.lease);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (cancelError) emit(notice(`cancelling run ${id} failed: ${message(cancelError)}`));

  let drainTimer: NodeJS.Timeout | undefined;
  const cut = new Promise<false>((resolve) => {
    drainTimer = setTimeout(() => resolve(false), LOG_DRAIN_MS);
  });
  const drained = await Promise.race([logs.then(() => true), cut]);
  clearTimeout(drainTimer);
  if (!drained) logsStop.abort();
  await logs;

  let status = stepStatus(end, signal);
  let outputBytes: Uint8Array | null = null;
  if (status === 'succeeded' && options.outputArtifact) {
    try {
      outputBytes = await client.artifact(id, options.outputArtifact, signal ? { signal } : {});
    } catch (error) {
      // Cancelled while the output downloaded: the run itself has ended, only the download stops.
      if (!signal?.aborted) throw error;
      status = 'cancelled';
    }
  }
  return {
    runId: id,
    status,
    exitCode: end.exitCode ?? null,
    durationMs: end.durationMs ?? null,
    ...(end.error ? { error: { code: end.error.code, message: end.error.message } } : {}),
    outputBytes,
  };
}

/** Cancels a run; a run that already ended (404/409) has nothing left to cancel. */
async function cancelRun(client: LightRunCalls, id: string, retry = true): Promise<void> {
  try {
    await client.cancel(id, { retry });
  } catch (error) {
    if (error instanceof LightRunHttpError && (error.status === 404 || error.status === 409)) return;
    throw error;
  }
}

/**
 * The wait for a run failed (light-run unreachable past the retries, or a bad answer): the
 * run may still be alive, so it is cancelled; the error says whether that worked.
 */
async function orphanGuard(
  client: LightRunCalls,
  id: string,
  error: unknown,
  lease: string | undefined,
): Promise<unknown> {
  if (!(error instanceof LightProcessError)) return error; // an abort reason or a bug: passed on as is
  let outcome: string;
  try {
    // One attempt: the wait already retried; the lease is there for a light-run gone for good.
    await cancelRun(client, id, false);
    outcome = `run ${id} was cancelled`;
  } catch {
    // Reported in the message below; the lease (when there is one) is the fallback.
    const fallback = lease ? `: light-run ends it when lease ${lease} expires` : '';
    outcome = `run ${id} could not be cancelled either${fallback}`;
  }
  return new LightProcessError(error.code, `${error.message}; ${outcome}`, {
    cause: error,
    details: { runId: id, ...(typeof error.details === 'object' ? error.details : {}) },
  });
}

function notStarted(): StepOutcome {
  return { runId: '', status: 'cancelled', exitCode: null, durationMs: null, outputBytes: null };
}

/**
 * Waits for the run to end. Once `signal` aborted (the run is being cancelled), the wait
 * is bounded: a run that does not end within END_AFTER_KILL_MS is reported as it stands.
 */
async function endOf(
  client: LightRunCalls,
  id: string,
  signal: AbortSignal | undefined,
): Promise<RunStateResponse> {
  if (!signal) return client.waitForEnd(id);
  const waiting = client.waitForEnd(id);
  let timer: NodeJS.Timeout | undefined;
  const bounded = new Promise<RunStateResponse>((resolve, reject) => {
    const onAbort = (): void => {
      timer = setTimeout(() => client.getRun(id).then(resolve, reject), END_AFTER_KILL_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    waiting.then(
      () => signal.removeEventListener('abort', onAbort),
      () => signal.removeEventListener('abort', onAbort),
    );
  });
  try {
    return await Promise.race([waiting, bounded]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a service detached and polls until it runs; a service that ends first is an error. */
export async function startServiceOverHttp(
  client: LightRunCalls,
  body: RunBody,
  options: ServiceOptions,
): Promise<{ id: string }> {
  // Not cut by the signal (see runStepOverHttp): once submitted, an abort cancels it below.
  let state = await client.submit({
    ...body,
    service: true,
    ...(options.lease ? { lease: options.lease } : {}),
  });
  const deadline = Date.now() + SERVICE_START_MS;
  try {
    while (state.status === 'queued' || state.status === 'paused') {
      if (Date.now() > deadline || options.signal?.aborted) break;
      await delay(100);
      state = await client.getRun(state.id);
    }
  } catch (error) {
    throw await orphanGuard(client, state.id, error, options.lease);
  }
  if (state.status !== 'running') {
    if (state.status === 'queued' || state.status === 'paused') {
      // Never reached `running` in time (or the workflow stopped): no container may outlive it.
      await cancelRun(client, state.id).catch((error: unknown) => {
        throw new LightProcessError(
          'RUN_SCOPE_FAILED',
          `cannot cancel service run ${state.id}: ${message(error)}`,
          { cause: error },
        );
      });
    }
    const why = state.error ? `: ${state.error.message}` : '';
    throw new LightProcessError(
      'RUN_SCOPE_FAILED',
      `service run ${state.id} (${body.image}) did not start: it is ${state.status}${why}`,
      { details: { runId: state.id, status: state.status } },
    );
  }
  return { id: state.id };
}

/** Stops a service and waits until it ended; a run that is already gone is fine. */
export async function stopServiceOverHttp(client: LightRunCalls, id: string, graceMs = 3_000): Promise<void> {
  try {
    await client.stop(id, { grace: graceMs });
  } catch (error) {
    if (error instanceof LightRunHttpError && (error.status === 404 || error.status === 409)) return;
    throw error;
  }
  await client.waitForEnd(id, { timeoutMs: END_AFTER_KILL_MS });
}

function stepStatus(end: RunStateResponse, signal: AbortSignal | undefined): StepStatus {
  switch (end.status) {
    case 'succeeded':
    case 'failed':
    case 'cancelled':
    case 'timeout':
      return end.status;
    default:
      // waitForEnd only returns early when it was bounded; an aborted caller means cancelled.
      return signal?.aborted ? 'cancelled' : 'failed';
  }
}

function notice(line: string): StepLogLine {
  return { stream: 'stderr', line: `light-process: ${line}`, time: new Date().toISOString() };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
