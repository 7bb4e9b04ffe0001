import type { RunBody } from '../../definition/wire-types.ts';
import type {
  NetworkOptions,
  RunStepOptions,
  StepLogLine,
  StepOutcome,
  StepRunner,
  StepStatus,
} from '../../engine/step-runner.ts';

/** What a step handler of `InMemoryRunner` may resolve with. */
export interface MemoryStepResult {
  /** The value the step writes to its output file (anything; non-objects become `{}`). */
  output?: unknown;
  /** @default 0 (succeeded); non-zero: failed */
  exitCode?: number;
  /** Forces an end status, e.g. `timeout`. */
  status?: StepStatus;
  /** The backend's reason, as light-run gives it (e.g. `{ code: 'OUT_OF_MEMORY', ... }`). */
  error?: { code: string; message: string };
}

/** What a step handler gets besides the request. */
export interface MemoryStepContext {
  /** The in-memory run id. */
  runId: string;
  /** Aborted when the step is cancelled. */
  signal: AbortSignal;
  /** Prints a log line (stdout by default). */
  log(line: string, stream?: 'stdout' | 'stderr'): void;
}

/** Simulates one step; called with the request the executor built. */
export type MemoryStepHandler = (
  body: RunBody,
  context: MemoryStepContext,
) => MemoryStepResult | Promise<MemoryStepResult>;

/**
 * A `StepRunner` without containers, for tests of pure execution logic (scheduling,
 * routing, validation, cancellation). Records every call in `events` in order:
 * `start:<id>`, `end:<id>:<status>`, `network+:<name>`, `network-:<name>`, `service+:<id>`, `service-:<id>`.
 * Steps are told apart by their request (e.g. the node's `entrypoint`).
 */
export class InMemoryRunner implements StepRunner {
  /** Every call, in order. */
  readonly events: string[] = [];
  /** The request of every step, in order of submission. */
  readonly requests: RunBody[] = [];
  /** Networks that exist now. */
  readonly networks = new Set<string>();
  /** Services that run now (run id -> image). */
  readonly services = new Map<string, string>();
  private next = 0;

  /** `label` names a step in `events` (default: its entrypoint). */
  constructor(
    private readonly handler: MemoryStepHandler,
    private readonly label: (body: RunBody) => string = (body) => body.entrypoint ?? body.image,
  ) {}

  /** Runs the handler; an abort of `options.signal` ends the step as `cancelled` at once. */
  async runStep(body: RunBody, options: RunStepOptions = {}): Promise<StepOutcome> {
    const runId = `mem-${++this.next}`;
    const name = this.label(body);
    this.requests.push(body);
    this.events.push(`start:${name}`);
    options.onStart?.(runId);
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const log = (line: string, stream: StepLogLine['stream'] = 'stdout'): void =>
      options.onLog?.({ stream, line, time: new Date().toISOString() });
    const aborted = new Promise<'cancelled'>((resolve) => {
      if (signal.aborted) resolve('cancelled');
      signal.addEventListener('abort', () => resolve('cancelled'), { once: true });
    });
    let result: MemoryStepResult | 'cancelled';
    try {
      result = await Promise.race([Promise.resolve(this.handler(body, { runId, signal, log })), aborted]);
    } catch (error) {
      // A throwing handler is a crashing program: exit code 1 with the message as its last line.
      log(error instanceof Error ? error.message : String(error), 'stderr');
      result = { exitCode: 1 };
    } finally {
      controller.abort();
    }
    const outcome = toOutcome(runId, result);
    this.events.push(`end:${name}:${outcome.status}`);
    return outcome;
  }

  /** Records the service as running. */
  async startService(body: RunBody): Promise<{ id: string }> {
    const id = `mem-svc-${++this.next}`;
    this.services.set(id, body.image);
    this.events.push(`service+:${id}`);
    return { id };
  }

  /** Records the service as stopped. */
  async stopService(id: string): Promise<void> {
    this.services.delete(id);
    this.events.push(`service-:${id}`);
  }

  /** Records the network. */
  async createNetwork(name: string, _options?: NetworkOptions): Promise<boolean> {
    this.events.push(`network+:${name}`);
    const created = !this.networks.has(name);
    this.networks.add(name);
    return created;
  }

  /** Forgets the network. */
  async deleteNetwork(name: string): Promise<void> {
    this.networks.delete(name);
    this.events.push(`network-:${name}`);
  }
}

function toOutcome(runId: string, result: MemoryStepResult | 'cancelled'): StepOutcome {
  if (result === 'cancelled')
    return { runId, status: 'cancelled', exitCode: null, durationMs: 0, outputBytes: null };
  const exitCode = result.exitCode ?? 0;
  const status = result.status ?? (exitCode === 0 ? 'succeeded' : 'failed');
  return {
    runId,
    status,
    exitCode,
    durationMs: 0,
    ...(result.error ? { error: result.error } : {}),
    outputBytes: status === 'succeeded' ? outputBytes(result.output) : null,
  };
}

/** The bytes a step that wrote `value` to its output file leaves behind (`undefined`: no file). */
function outputBytes(value: unknown): Uint8Array | null {
  const text = value === undefined ? undefined : JSON.stringify(value);
  return text === undefined ? null : new TextEncoder().encode(text);
}
