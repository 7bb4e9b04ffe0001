import { api } from '../api.ts';
import { h } from '../dom.ts';
import { buildInputForm } from '../form.ts';
import { drawDag } from '../graph.ts';
import type { View } from '../router.ts';
import { runTable } from './run-table.ts';

/** `#/workflows/:id`: the DAG, a run form built from the input schema, and recent runs. */
export const workflowView: View = async ({ id = '' }) => {
  const [workflow, recent] = await Promise.all([api.workflow(id), api.runs({ workflow: id, limit: 10 })]);
  const form = buildInputForm(workflow.inputSchema);
  const message = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', 'data-action': 'run' }, 'Run workflow');
  const runForm = h(
    'form',
    {
      class: 'run-form',
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        message.textContent = '';
        let input: unknown;
        try {
          input = form.read();
        } catch (error) {
          message.textContent = error instanceof Error ? error.message : String(error);
          return;
        }
        submit.disabled = true;
        api
          .startRun(workflow.id, input)
          .then(({ runId }) => {
            location.hash = `#/runs/${encodeURIComponent(runId)}`;
          })
          .catch((error: unknown) => {
            message.textContent = error instanceof Error ? error.message : String(error);
            submit.disabled = false;
          });
      },
    },
    h('h2', {}, 'Run'),
    workflow.inputSchema
      ? null
      : h('p', { class: 'muted' }, 'This workflow declares no input schema; send any JSON.'),
    form.element,
    message,
    submit,
  );
  return h(
    'section',
    { class: 'page' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Workflows'), ' / ', workflow.id),
    h('h1', {}, workflow.name ?? workflow.id),
    workflow.description ? h('p', { class: 'lead' }, workflow.description) : null,
    h(
      'div',
      { class: 'panel graph-panel' },
      h('h2', {}, 'Graph'),
      h('div', { class: 'graph-scroll' }, drawDag(workflow).element),
    ),
    h(
      'div',
      { class: 'split' },
      h('div', { class: 'panel' }, runForm),
      h(
        'div',
        { class: 'panel' },
        h('h2', {}, 'Recent runs'),
        runTable(recent.runs, { showWorkflow: false }),
      ),
    ),
  );
};
