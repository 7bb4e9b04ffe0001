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
import {
  type LogLineResponse,
  type RunStateResponse,
  type StreamLineResponse,
  TERMINAL_STATUSES,
} from './wire.ts';

/** The part of `LightRunClient` the step functions use (kept structural to avoid an import cycle). */
export interface LightRunCalls {
  readonly url: string;
  submit(body: RunBody, options?: { signal?: AbortSignal }): Promise<RunStateResponse>;
  runStream(
    body: RunBody,
    options: { signal?: AbortSignal; onLine: (line: StreamLineResponse) => void },
  ): Promise<void>;
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

/** How long a stopped service may take to end, in ms. */
const END_AFTER_KILL_MS = 30_000;
/** How long a service may take to reach `running`, in ms. */
const SERVICE_START_MS = 60_000;

/** What the stream told about one run so far. */
interface Seen {
  id: string | undefined;
  /** Log lines delivered, so a re-attach does not deliver them twice. */
  lines: number;
  end: RunStateResponse | undefined;
  inlined: Map<string, Buffer>;
}

/**
 * Runs one step through light-run in one exchange: `POST /run?stream=ndjson` answers the
 * run's id, its log lines and its final state with the output inlined when small. An
 * abort at any moment reaches the run: the request is never cut before the id is known (a
 * cut POST may still create a run whose id would be lost); from the id on, an abort sends
 * `POST /runs/:id/cancel`, whose answer is the final state. When the stream breaks (the
 * link to light-run dropped), the step re-attaches: it long-polls to the end, reads the
 * log lines it missed, and downloads the output; when light-run cannot be reached past the
 * retries, the run is cancelled before the error is thrown.
 */
export async function runStepOverHttp(
  client: LightRunCalls,
  body: RunBody,
  options: RunStepOptions,
): Promise<StepOutcome> {
  const { signal } = options;
  if (signal?.aborted) return notStarted();
  const emit = (line: StepLogLine): void => options.onLog?.(line);
  const seen: Seen = { id: undefined, lines: 0, end: undefined, inlined: new Map() };
  const cut = new AbortController();
  let cancelError: unknown;
  let cancelled: Promise<RunStateResponse | undefined> | undefined;
  const cancelOnce = (id: string): Promise<RunStateResponse | undefined> => {
    cancelled ??= cancelRun(client, id).catch((error: unknown) => {
      cancelError = error;
      return undefined;
    });
    return cancelled;
  };
  // After an abort, the cancel's answer ends the step (the stream may be held or slow).
  const onAbort = (): void => {
    if (!seen.id) return;
    void cancelOnce(seen.id).then((state) => {
      if (state && TERMINAL_STATUSES.has(state.status)) {
        seen.end ??= state;
        cut.abort();
      }
    });
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let broken: unknown;
  let id: string;
  let end: RunStateResponse;
  try {
    await client
      .runStream(options.lease ? { ...body, lease: options.lease } : body, {
        signal: cut.signal,
        onLine: (line) => {
          if (line.type === 'run') {
            seen.id = line.state.id;
            options.onStart?.(line.state.id);
            if (signal?.aborted) onAbort();
          } else if (line.type === 'log') {
            seen.lines += 1;
            emit({ stream: line.stream, line: line.line, time: line.time });
          } else {
            seen.end = line.state;
            for (const a of line.inlined) seen.inlined.set(a.path, Buffer.from(a.base64, 'base64'));
          }
        },
      })
      .catch((error: unknown) => {
        // Before the id, the run may not exist: the error is the step's. After it, re-attach.
        if (!seen.id) throw error;
        if (!cut.signal.aborted) broken = error;
      });
    if (!seen.id) return notStarted();
    id = seen.id;
    if (seen.end && TERMINAL_STATUSES.has(seen.end.status)) end = seen.end;
    else {
      if (broken) emit(notice(`the stream of run ${id} broke (${message(broken)}): re-attaching`));
      end = await reattach(client, id, seen, emit, signal, cancelOnce, options.lease);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (cancelError) emit(notice(`cancelling run ${id} failed: ${message(cancelError)}`));

  let status = stepStatus(end, signal);
  let outputBytes: Uint8Array | null = null;
  if (status === 'succeeded' && options.outputArtifact) {
    try {
      const inlined = seen.inlined.get(options.outputArtifact);
      outputBytes =
        inlined ??
        (end.artifacts.some((a) => a.path === options.outputArtifact)
          ? await client.artifact(id, options.outputArtifact, signal ? { signal } : {})
          : null);
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

/**
 * After a broken stream: long-polls to the end (an abort races the cancel's answer), then
 * delivers the log lines the stream had not. A wait that fails for good cancels the run.
 */
async function reattach(
  client: LightRunCalls,
  id: string,
  seen: Seen,
  emit: (line: StepLogLine) => void,
  signal: AbortSignal | undefined,
  cancelOnce: (id: string) => Promise<RunStateResponse | undefined>,
  lease: string | undefined,
): Promise<RunStateResponse> {
  let end: RunStateResponse;
  try {
    const waiting = client.waitForEnd(id);
    const onCancel = signal
      ? new Promise<RunStateResponse>((resolve) => {
          const settle = (): void => {
            void cancelOnce(id).then((state) => {
              if (state && TERMINAL_STATUSES.has(state.status)) resolve(state);
            });
          };
          if (signal.aborted) settle();
          else signal.addEventListener('abort', settle, { once: true });
        })
      : undefined;
    end = await (onCancel ? Promise.race([waiting, onCancel]) : waiting);
  } catch (error) {
    throw await orphanGuard(client, id, error, lease);
  }
  let skip = seen.lines;
  await client
    .followLogs(id, {
      onLine: (l) => {
        if (skip > 0) skip -= 1;
        else emit({ stream: l.stream, line: l.line, time: l.time });
      },
    })
    .catch((error: unknown) => emit(notice(`log lines of run ${id} after the re-attach: ${message(error)}`)));
  return end;
}

/**
 * Cancels a run and answers its state; a run that already ended (404/409) has nothing left
 * to cancel: its state is read instead (undefined when that fails too).
 */
async function cancelRun(
  client: LightRunCalls,
  id: string,
  retry = true,
): Promise<RunStateResponse | undefined> {
  try {
    return await client.cancel(id, { retry });
  } catch (error) {
    if (error instanceof LightRunHttpError && (error.status === 404 || error.status === 409)) {
      return client.getRun(id).catch(() => undefined);
    }
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
