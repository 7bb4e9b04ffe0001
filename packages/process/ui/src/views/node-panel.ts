import { h, replaceChildren } from '../dom.ts';
import { formatDuration, json, statusBadge } from '../format.ts';

/** What a node panel shows; updated as events arrive. */
export interface NodeState {
  status: string;
  exitCode: number | null;
  durationMs: number | null;
  output: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
}

/** One node of a run page: a collapsible panel with its status, live logs and output. */
export class NodePanel {
  readonly element: HTMLDetailsElement;
  readonly #summary: HTMLElement;
  readonly #logs: HTMLPreElement;
  readonly #result: HTMLElement;
  readonly #nodeId: string;
  #lineCount = 0;

  constructor(nodeId: string, title: string) {
    this.#nodeId = nodeId;
    this.#summary = h('span', { class: 'node-summary' });
    this.#logs = h('pre', { class: 'logs', 'data-node-logs': nodeId, 'aria-label': `logs of ${nodeId}` });
    this.#result = h('div', { class: 'node-result' });
    this.element = h(
      'details',
      { class: 'node-panel', 'data-node-id': nodeId, id: `node-${nodeId}` },
      h('summary', {}, h('span', { class: 'node-name' }, title), this.#summary),
      h('h3', {}, 'Logs'),
      this.#logs,
      this.#result,
    );
    this.reset();
  }

  /** Back to "not started", with no logs (before a replay). */
  reset(): void {
    this.#logs.replaceChildren();
    this.#lineCount = 0;
    this.#logs.append(h('span', { class: 'muted placeholder' }, 'No output yet.'));
    this.update({ status: 'pending', exitCode: null, durationMs: null, output: null, error: null });
  }

  /** Appends one log line (stderr lines are marked). */
  appendLog(stream: 'stdout' | 'stderr', line: string): void {
    if (this.#lineCount === 0) this.#logs.replaceChildren();
    this.#lineCount++;
    const follow = this.#logs.scrollTop + this.#logs.clientHeight >= this.#logs.scrollHeight - 4;
    this.#logs.append(h('span', { class: `log-line ${stream}` }, line), '\n');
    if (follow) this.#logs.scrollTop = this.#logs.scrollHeight;
  }

  /** Marks the start of another loop iteration in the logs. */
  markIteration(iteration: number): void {
    if (iteration > 1)
      this.#logs.append(h('span', { class: 'iteration' }, `── iteration ${iteration} ──`), '\n');
  }

  /** Shows a new state: status, exit code, duration, output, error. */
  update(state: NodeState): void {
    this.element.dataset.status = state.status;
    replaceChildren(
      this.#summary,
      statusBadge(state.status),
      state.exitCode !== null ? h('span', { class: 'muted' }, `exit ${state.exitCode}`) : null,
      state.durationMs !== null ? h('span', { class: 'muted' }, formatDuration(state.durationMs)) : null,
    );
    replaceChildren(
      this.#result,
      state.error ? h('p', { class: 'node-error' }, `${state.error.code}: ${state.error.message}`) : null,
      state.output && Object.keys(state.output).length > 0
        ? h(
            'div',
            {},
            h('h3', {}, 'Output'),
            h('pre', { class: 'output', 'data-node-output': this.#nodeId }, json(state.output)),
          )
        : null,
    );
  }

  /** Unfolds the panel (its logs stream in view) without scrolling to it. */
  expand(): void {
    this.element.open = true;
  }

  /** Opens the panel and brings it into view. */
  open(): void {
    this.element.open = true;
    this.element.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  }
}
