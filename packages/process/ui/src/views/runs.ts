import { api } from '../api.ts';
import { h } from '../dom.ts';
import type { View } from '../router.ts';
import { runTable } from './run-table.ts';

const PAGE_SIZE = 25;
const STATUSES = ['', 'running', 'succeeded', 'failed', 'cancelled'];

/** `#/runs`: the run history, filterable by status, paged. */
export const runsView: View = async () => {
  const status = h('select', { name: 'status', 'aria-label': 'filter by status', class: 'filter' });
  for (const s of STATUSES) status.append(h('option', { value: s }, s || 'any status'));
  const table = h('div', {});
  const pager = h('div', { class: 'pager' });
  let offset = 0;

  const go = (next: number) => {
    offset = next;
    void load();
  };
  const load = async () => {
    const page = await api.runs({ status: status.value || undefined, limit: PAGE_SIZE, offset });
    table.replaceChildren(runTable(page.runs, { showWorkflow: true }));
    const from = page.total === 0 ? 0 : offset + 1;
    pager.replaceChildren(
      h('button', { disabled: offset === 0, onclick: () => go(Math.max(0, offset - PAGE_SIZE)) }, '← Newer'),
      h('span', { class: 'muted' }, `${from}–${offset + page.runs.length} of ${page.total}`),
      h(
        'button',
        { disabled: page.nextOffset === null, onclick: () => go(page.nextOffset ?? offset) },
        'Older →',
      ),
    );
  };
  status.addEventListener('change', () => go(0));
  await load();
  return h(
    'section',
    { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Runs'), h('span', { class: 'spacer' }), status),
    table,
    pager,
  );
};
