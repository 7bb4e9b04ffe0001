import { h } from '../dom.ts';
import { formatDuration, formatTime, statusBadge } from '../format.ts';
import type { RunSummary } from '../types.ts';

/** A table of runs, newest first, each row linking to its run page. */
export function runTable(runs: RunSummary[], options: { showWorkflow: boolean }): HTMLElement {
  if (runs.length === 0) return h('p', { class: 'empty' }, 'No runs yet.');
  const rows = runs.map((run) =>
    h(
      'tr',
      { 'data-run-id': run.id },
      h(
        'td',
        {},
        h('a', { href: `#/runs/${encodeURIComponent(run.id)}`, class: 'mono' }, run.id.slice(0, 8)),
      ),
      options.showWorkflow
        ? h(
            'td',
            {},
            h(
              'a',
              { href: `#/workflows/${encodeURIComponent(run.workflowId)}` },
              run.workflowName ?? run.workflowId,
            ),
          )
        : null,
      h('td', {}, statusBadge(run.status)),
      h('td', {}, formatTime(run.createdAt)),
      h('td', { class: 'num' }, formatDuration(run.durationMs)),
      h('td', { class: 'muted' }, run.error?.message ?? ''),
    ),
  );
  return h(
    'table',
    { class: 'runs' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Run'),
        options.showWorkflow ? h('th', {}, 'Workflow') : null,
        h('th', {}, 'Status'),
        h('th', {}, 'Started'),
        h('th', { class: 'num' }, 'Duration'),
        h('th', {}, 'Error'),
      ),
    ),
    h('tbody', {}, ...rows),
  );
}
